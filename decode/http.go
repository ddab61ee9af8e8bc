package decode

import "bytes"

// HTTP is the first line of an HTTP/1.x request or response found at the
// start of a TCP payload.
type HTTP struct {
	Line     []byte // without its CR LF
	Response bool
	Cut      bool // the payload ends before the line does
}

// httpMaxLine bounds the line searched for and shown.
const httpMaxLine = 2048

var httpMethods = [...]string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// decodeHTTP recognises "METHOD target HTTP/1.x" and "HTTP/1.x status".
// A payload that merely starts like one (the line does not end in
// HTTP/1.x) is left as data.
func (p *Packet) decodeHTTP(b []byte) {
	h := &p.HTTP
	resp := bytes.HasPrefix(b, []byte("HTTP/1."))
	if !resp && !isHTTPMethod(b) {
		return
	}
	line := b[:min(len(b), httpMaxLine)]
	cut := true
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line, cut = line[:i], false
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if resp {
		if len(line) < 12 || line[8] != ' ' || !isDigit(line[7]) {
			return
		}
	} else if !cut {
		n := len(line)
		if n < 9 || !bytes.HasPrefix(line[n-9:], []byte(" HTTP/1.")) || !isDigit(line[n-1]) {
			return
		}
	}
	h.Line, h.Response, h.Cut = line, resp, cut
	p.Layers |= LayerHTTP
}

func isHTTPMethod(b []byte) bool {
	if len(b) < 4 || b[0] < 'A' || b[0] > 'T' {
		return false
	}
	for _, m := range httpMethods {
		if len(b) >= len(m) && string(b[:len(m)]) == m {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
