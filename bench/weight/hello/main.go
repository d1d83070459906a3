// Command hello is the baseline of the weight comparison: the smallest Go
// program that prints, so that build times can be quoted as a ratio to it.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
