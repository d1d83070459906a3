package main

import (
	"fmt"
	"io"
	"iter"
	"os"
	"strings"

	"github.com/dockwire/dockwire/engine"
)

// isTerminal reports whether w is a character device, where progress bars
// can be redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// printProgress shows a build, pull or load stream as docker does. On a
// terminal every layer (message ID) keeps a line of its own that each
// update redraws, bar included; elsewhere each status is a plain line and
// bar updates are left out. Builder output is printed as it comes.
func printProgress(w io.Writer, tty bool, msgs iter.Seq2[engine.JSONMessage, error]) error {
	lines := map[string]int{} // layer ID -> its line, counted from the first
	for m, err := range msgs {
		if err != nil {
			return err
		}
		switch {
		case m.Stream != "":
			lines = map[string]int{}
			fmt.Fprint(w, m.Stream)
		case m.Status == "":
			// aux messages (the built image's ID) carry nothing to show
		case m.ID == "":
			lines = map[string]int{}
			fmt.Fprintln(w, m.Status)
		case !tty:
			if m.Total == 0 && m.Progress == "" {
				fmt.Fprintf(w, "%s: %s\n", m.ID, m.Status)
			}
		default:
			line, ok := lines[m.ID]
			if !ok {
				line = len(lines)
				lines[m.ID] = line
				fmt.Fprint(w, "\n")
			}
			up := len(lines) - line
			// Up to the layer's line, clear it, write, and back down.
			fmt.Fprintf(w, "\x1b[%dA\r\x1b[2K%s: %s %s\r\x1b[%dB", up, m.ID, m.Status, progressBar(m), up)
		}
	}
	return nil
}

// progressBar draws docker's bar, "[=====>      ]  1.2MB/3.4MB", from the
// message's byte counts, or returns the daemon's own rendering.
func progressBar(m engine.JSONMessage) string {
	if m.Total <= 0 || m.Current < 0 {
		return m.Progress
	}
	const width = 50
	done := int(min(m.Current, m.Total) * width / m.Total)
	bar := strings.Repeat("=", done)
	if done < width {
		bar += ">" + strings.Repeat(" ", width-done-1)
	}
	return fmt.Sprintf("[%s] %8s/%s", bar, humanSizeDigits(m.Current, 4), humanSizeDigits(m.Total, 4))
}

// humanSize is docker's rendering of a byte count in its tables (docker
// images, docker stats): decimal units, three significant digits
// ("1.99MB").
func humanSize(n int64) string { return humanSizeDigits(n, 3) }

// humanSizeDigits renders n with digits significant digits: four is
// units.HumanSize, which docker's progress bars and prune reports use
// ("1.235MB").
func humanSizeDigits(n int64, digits int) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	size, i := float64(n), 0
	for size >= 1000 && i < len(units)-1 {
		size /= 1000
		i++
	}
	return fmt.Sprintf("%.*g%s", digits, size, units[i])
}
