// Command echo-iocopy is the yardstick of scripts/bench-echo.sh: the
// plainest Go TCP echo server, a goroutine per connection running io.Copy.
// turtle echo's modes are measured against it. Between two TCP sockets
// io.Copy splices on Linux; -rw hides that and copies through a buffer with
// read and write, the other plain way of writing it.
package main

import (
	"flag"
	"io"
	"log"
	"net"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:12500", "address to listen on")
	rw := flag.Bool("rw", false, "copy with read and write instead of splice")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			if *rw {
				io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 32<<10))
			} else {
				io.Copy(c, c)
			}
			c.Close()
		}()
	}
}
