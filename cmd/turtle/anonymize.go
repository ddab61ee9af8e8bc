package main

import (
	"fmt"
	"io"

	"github.com/turtle-sniffer/turtle/anonymize"
	"github.com/turtle-sniffer/turtle/edit"
	"github.com/turtle-sniffer/turtle/internal/cli"
)

const anonymizeAbout = `Anonymize writes a copy of captures that can be shared without saying who
was in them. IPv4 and IPv6 addresses are mapped with Crypto-PAn: prefix-
preserving (two addresses sharing k leading bits map to two sharing k bits),
one to one, and the same in every file anonymized with the same key. That
includes the addresses inside ARP, ICMP and ICMPv6 error quotes, ICMP
redirects (gateway; ICMPv6 target, destination and redirected header),
router advertisements (prefixes are mapped as their addresses are), neighbour
discovery, MLD group records, DHCP/BOOTP (ciaddr, yiaddr, siaddr, giaddr,
router, DNS, server identifier, requested address and the other address
options) and DNS A/AAAA records of class IN, NONE and ANY. --macs maps unicast MAC addresses
(--keep-oui keeps the vendor half), --ports maps TCP/UDP ports from 1024 up,
--payload zero or drop removes what follows the headers (drop keeps each
frame's original length). pcapng comments, interface names and descriptions
and name resolution blocks are not copied.

Every checksum (IPv4, TCP, UDP, ICMP, ICMPv6) is updated incrementally: one
that was right stays right, one that was wrong stays wrong. A summary on
stderr counts the frames, the addresses mapped, and the frames part of which
could not be parsed, by kind (an unknown protocol, a cut header, DHCP options
or ICMPv6 options not parsed...): those parts are left
as they were, or zeroed/dropped with --payload zero/drop. --strict makes any
such frame an error (exit 1, the output removed).

KEY holds 32 bytes (16 of AES key, 16 of pad) as 64 hex digits or raw;
--new-key FILE writes a random one (and uses it when no --key-file is given).
Keep the key secret: with it, the mapping can be reversed by trying prefixes.

Exit status: 0 on success, 1 when an input could not be read completely, the
output failed or --strict found a frame it could not fully anonymize, 2 for
a usage error.`

func runAnonymize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("anonymize", "anonymize --key-file KEY [flags] -o OUT IN...", anonymizeAbout,
		"turtle anonymize --new-key class.key --macs --payload zero -o shared.pcap capture.pcap", stdout, stderr)
	keyFile := fs.String("key-file", "", "read the Crypto-PAn key from `KEY` (64 hex digits or 32 bytes)")
	newKey := fs.String("new-key", "", "write a new random key to `FILE` (which must not exist)")
	output := cli.CaptureOutput(fs)
	ips := fs.String("ips", "prefix", "what becomes of IP addresses (`MODE`): prefix (Crypto-PAn), zero or keep")
	macs := fs.Bool("macs", false, "map unicast MAC addresses")
	keepOUI := fs.Bool("keep-oui", false, "with --macs: keep the first three bytes (the vendor)")
	ports := fs.Bool("ports", false, "map TCP and UDP ports from 1024 up (lower ones are kept)")
	payload := fs.String("payload", "keep", "what becomes of what follows the headers (`MODE`): keep, zero (same length) or drop")
	strict := fs.Bool("strict", false, "fail when part of a frame could not be parsed and so not anonymized")
	toFormat := cli.ToFormat(fs, "the first input's")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := usageError(fs)
	opt, err := anonymize.ParseOptions(*ips, *payload, *macs, *keepOUI, *ports)
	if err != nil {
		return usageErr("%v", err)
	}
	format, err := parseToFormat(*toFormat)
	if err != nil {
		return usageErr("%v", err)
	}
	if *newKey == "" && *keyFile == "" {
		return usageErr("no key: --key-file KEY, or --new-key FILE to make one")
	}
	if fs.NArg() > 0 && *output == "" {
		return usageErr("no output given: -o FILE (- for standard output)")
	}
	if fs.NArg() == 0 && (*output != "" || *newKey == "") {
		return usageErr("no input capture given")
	}
	if *output == "-" && isTerminal(stdout) {
		return usageErr("-o -: refusing to write a binary capture to a terminal; redirect standard output")
	}
	if fs.NArg() == 0 {
		*keyFile = "" // only a new key is asked for
	}
	key, err := anonymize.LoadKey(*newKey, *keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "turtle anonymize: %v\n", err)
		return 1
	}
	if fs.NArg() == 0 {
		return 0
	}
	an, err := anonymize.New(key, opt)
	if err != nil {
		fmt.Fprintf(stderr, "turtle anonymize: %v\n", err)
		return 1
	}
	inputs, closeAll, code := openInputs("anonymize", fs.Args(), stdin, stderr)
	defer closeAll()
	if len(inputs) == 0 {
		return 1
	}
	sopt, err := edit.Header(inputs, format, 0, 0)
	if err != nil {
		fmt.Fprintf(stderr, "turtle anonymize: %s: %v\n", *output, err)
		return 1
	}
	c := an.Copy(inputs, sopt)
	c.Damaged = damaged("anonymize", inputs, stderr, &code)
	// The summary comes once all is written; a file --strict refuses is
	// not left.
	if writeCopy("anonymize", c, *output, fs.Args(), stdout, stderr, func() bool {
		line, incomplete := an.Stats.Summary()
		fmt.Fprintf(stderr, "turtle anonymize: %s\n", line)
		if *strict && incomplete > 0 {
			fmt.Fprintf(stderr, "turtle anonymize: --strict: %d frames could not be fully anonymized; %s not written\n",
				incomplete, displayName(*output))
			return false
		}
		return true
	}) != 0 {
		return 1
	}
	return code
}
