// Command demo is a small docker-like CLI built on dockwire. It exists to
// show the library in use: each command parses its flags, makes one
// library call (two for run -d) and prints the answer the way docker
// would. The tour is internal/tour, run live or against recordings.
//
//	demo [--host URL] [--api-version V] [--timeout D] COMMAND [ARGS]
//
// Run "demo help" for the commands, and "demo COMMAND -h" for one of them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dockwire/dockwire"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs, unlisten := listenSignals(cancel)
	code := runWith(ctx, sigs, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	unlisten()
	cancel()
	os.Exit(code)
}

// Exit codes besides a container's or command's own.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitInterrupted = 130 // as a shell reports a process ended by SIGINT
)

// cli is what a command runs with.
type cli struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	host           string // --host, or "" for DOCKER_HOST
	apiVersion     string
	timeout        time.Duration
	client         *dockwire.Client
	signals        *signals // nil: no signals are proxied (a test's run)
}

// command is one subcommand. setup defines its flags on fs and returns
// what runs it with the positional arguments; help calls setup alone.
type command struct {
	name     string
	synopsis string // the arguments, as in "demo NAME SYNOPSIS"
	summary  string
	details  string // more help, after the summary
	setup    func(fs *flag.FlagSet) runFunc
	// stopAfter > 0 ends the flags after that many positional arguments
	// unless the arguments hold "--": the rest is a command line.
	stopAfter int
	noClient  bool // the command makes its own clients
	// subcommands makes the command a group ("network ls"): the first
	// argument picks one, and the rest are its own.
	subcommands []*command
}

// runFunc runs a command. A *usageError prints the command's usage.
type runFunc func(c *cli, args []string) error

// commands lists the subcommands in the order "demo help" shows them.
var commands []*command

func init() {
	commands = []*command{
		pingCmd, psCmd, inspectCmd,
		logsCmd, execCmd, runCmd, attachCmd,
		startCmd, stopCmd, restartCmd, killCmd, rmCmd,
		buildCmd, pullCmd, pushCmd, loginCmd, imagesCmd, importCmd,
		statsCmd, eventsCmd, cpCmd,
		commitCmd, exportCmd, diffCmd,
		networkCmd, volumeCmd, builderCmd,
		swarmCmd, nodeCmd, serviceCmd, secretCmd, configCmd,
		contextCmd,
		tourCmd,
	}
}

func lookupCommand(name string) *command {
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

// usageError is a mistake in how a command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// exitCode ends the demo with a code and no message: that of a command or
// container whose output was already shown.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// codedError is a failure that ends the demo with a code other than 1.
type codedError struct {
	err  error
	code int
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// run is the whole program, minus the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, nil, args, stdin, stdout, stderr)
}

// runWith is run with the signals that main routes: a command that proxies
// them to its container takes them from there.
func runWith(ctx context.Context, sigs *signals, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A last resort: one line, never a goroutine dump.
		if r := recover(); r != nil {
			fmt.Fprintln(stderr, "demo: internal error:", oneLine(fmt.Sprint(r)))
			code = exitError
		}
	}()
	c := &cli{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, signals: sigs}
	global := flag.NewFlagSet("demo", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&c.host, "host", "", "daemon `URL`: unix:///path or tcp://host:port (default $DOCKER_HOST, else "+dockwire.DefaultHost+")")
	global.StringVar(&c.host, "H", "", "daemon `URL`")
	global.StringVar(&c.apiVersion, "api-version", "", "pin the API `version` instead of negotiating (default $DOCKER_API_VERSION)")
	global.DurationVar(&c.timeout, "timeout", 15*time.Second, "bound connecting and waiting for each answer (0: no bound; streams are never cut, a stop gets its grace period on top)")
	global.Usage = func() { printMainUsage(stderr, global) }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printMainUsage(stdout, global)
			return exitOK
		}
		fmt.Fprintf(stderr, "demo: %v\n\n", err)
		printMainUsage(stderr, global)
		return exitUsage
	}
	if global.NArg() == 0 {
		printMainUsage(stderr, global)
		return exitUsage
	}
	name, rest := global.Arg(0), global.Args()[1:]
	if name == "help" {
		return c.help(global, rest)
	}
	cmd := lookupCommand(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "demo: unknown command %q; run 'demo help' for the list\n", name)
		return exitUsage
	}
	return c.runCommand(cmd, rest)
}

func (c *cli) help(global *flag.FlagSet, args []string) int {
	if len(args) == 0 {
		printMainUsage(c.stdout, global)
		return exitOK
	}
	cmd := lookupCommand(args[0])
	if cmd == nil {
		fmt.Fprintf(c.stderr, "demo: unknown command %q; run 'demo help' for the list\n", args[0])
		return exitUsage
	}
	if len(args) > 1 {
		for _, sub := range cmd.subcommands {
			if sub.name == cmd.name+" "+args[1] {
				cmd = sub
			}
		}
	}
	fs, _ := newFlagSet(cmd)
	printCommandUsage(c.stdout, cmd, fs)
	return exitOK
}

func newFlagSet(cmd *command) (*flag.FlagSet, runFunc) {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if cmd.setup == nil {
		return fs, nil // a group
	}
	return fs, cmd.setup(fs)
}

func (c *cli) runCommand(cmd *command, args []string) int {
	if cmd.subcommands != nil {
		return c.runGroup(cmd, args)
	}
	fs, runner := newFlagSet(cmd)
	args, err := parse(fs, args, cmd.stopAfter)
	if err == nil && !cmd.noClient {
		c.client, err = c.newClient()
		if c.client != nil {
			defer c.client.Close()
		}
	}
	if err == nil {
		err = runner(c, args)
	}
	var ue *usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		printCommandUsage(c.stdout, cmd, fs)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "demo %s: %s\n\n", cmd.name, ue.msg)
		printCommandUsage(c.stderr, cmd, fs)
		return exitUsage
	}
	return c.fail(err)
}

// runGroup runs the subcommand of cmd that args name.
func (c *cli) runGroup(cmd *command, args []string) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fs, _ := newFlagSet(cmd)
		printCommandUsage(c.stdout, cmd, fs)
		return exitOK
	}
	if len(args) > 0 {
		for _, sub := range cmd.subcommands {
			if sub.name == cmd.name+" "+args[0] {
				return c.runCommand(sub, args[1:])
			}
		}
		fmt.Fprintf(c.stderr, "demo %s: unknown command %q\n\n", cmd.name, args[0])
	}
	fs, _ := newFlagSet(cmd)
	printCommandUsage(c.stderr, cmd, fs)
	return exitUsage
}

// group makes a command of subcommands, each named "NAME SUB".
func group(name, summary string, subs ...*command) *command {
	var details strings.Builder
	details.WriteString("\nCommands:\n")
	width := 8
	for _, sub := range subs {
		width = max(width, len(sub.name)-len(name)-1)
	}
	for _, sub := range subs {
		fmt.Fprintf(&details, "  %-*s %s\n", width, strings.TrimPrefix(sub.name, name+" "), sub.summary)
	}
	return &command{name: name, synopsis: "COMMAND", summary: summary, details: details.String(), subcommands: subs}
}

// newClient builds the client the global flags describe.
func (c *cli) newClient() (*dockwire.Client, error) {
	var opts []dockwire.Option
	if c.apiVersion != "" {
		opts = append(opts, dockwire.WithAPIVersion(c.apiVersion))
	}
	if c.timeout > 0 {
		opts = append(opts, dockwire.WithTimeout(c.timeout))
	}
	if c.host != "" {
		return dockwire.New(c.host, opts...)
	}
	return dockwire.FromEnv(opts...)
}

// fail turns a command's outcome into an exit code, printing an error as
// the docker CLI does: as it is, its lines kept (a failed build step's
// output is several).
func (c *cli) fail(err error) int {
	var code exitCode
	var coded *codedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, context.Canceled) && c.ctx.Err() != nil:
		return exitInterrupted
	}
	fmt.Fprintln(c.stderr, errorText(err))
	if errors.As(err, &coded) {
		return coded.code
	}
	return exitError
}

// errorText is an error's message for the terminal: its lines kept,
// without trailing blank space.
func errorText(err error) string {
	return strings.TrimRight(strings.ReplaceAll(err.Error(), "\r\n", "\n"), " \t\r\n")
}

// oneLine folds a multi-line message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
