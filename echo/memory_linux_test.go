//go:build linux

package echo

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// vmRSS reads a process's resident set in KiB from /proc.
func vmRSS(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// Issue 19 item 15: clients that send and never read cost a default
// event-mode server at most DefaultMaxBuffered each (plus its bookkeeping),
// the arithmetic the defaults' comment gives for 10,000 of them. The server
// runs in a subprocess, whose resident memory is read from /proc; the
// assertion is on memory, not time.
func TestEventDefaultsBoundMemory(t *testing.T) {
	if os.Getenv("TURTLE_ECHO_MEM_SERVER") != "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(3)
		}
		fmt.Println(ln.Addr())
		srv := &TCPServer{Mode: Event}
		srv.Serve(context.Background(), ln) // until killed
		os.Exit(0)
	}
	// The arithmetic of the defaults' comment: queues twice over (the
	// collector's headroom), 1 KiB of state a connection, 20 MiB of
	// runtime, under 256 MB.
	if worst := DefaultMaxConns*(2*DefaultMaxBuffered+1<<10) + 20<<20; worst >= 256e6 {
		t.Errorf("the defaults allow %d MB", worst/1e6)
	}
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: runs a server and 400 clients and measures its memory")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEventDefaultsBoundMemory$")
	cmd.Env = append(os.Environ(), "TURTLE_ECHO_MEM_SERVER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr = strings.TrimSpace(addr)
	pid := cmd.Process.Pid
	time.Sleep(200 * time.Millisecond) // let the runtime settle
	before := vmRSS(t, pid, "VmRSS")

	const clients = 400
	chunk := make([]byte, 64<<10)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range clients {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		c.(*net.TCPConn).SetWriteBuffer(16 << 10)
	}
	// Each client sends until the server stops reading (its queue is full
	// and the kernel's buffers too) and never reads the echo.
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	peak := vmRSS(t, pid, "VmHWM")
	grown := peak - before
	// The bound: each client's queue (DefaultMaxBuffered) and 8 KiB of
	// bookkeeping and collector headroom, in KiB. With the old default
	// (64 KiB queues, grown by append) this was over 25 MB.
	bound := int64(clients * (DefaultMaxBuffered + 8<<10) >> 10)
	t.Logf("server RSS %d KiB before, peak %d KiB with %d clients that never read: %d KiB grown, bound %d KiB", before, peak, clients, grown, bound)
	if grown > bound {
		t.Errorf("the server grew by %d KiB for %d clients that never read, over the bound of %d KiB", grown, clients, bound)
	}
}
