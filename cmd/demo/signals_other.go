//go:build !unix

package main

import "os"

// forwardable: only an interrupt, which is what other systems deliver.
func forwardable(sig os.Signal) bool { return sig == os.Interrupt }
