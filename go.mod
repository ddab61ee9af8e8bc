module github.com/turtle-sniffer/turtle

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/gopacket/gopacket v1.7.7
	github.com/pmezard/go-difflib v1.0.0
	github.com/sebdah/goldie/v2 v2.8.0
	github.com/spf13/pflag v1.0.10
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.50.0
)

require github.com/sergi/go-diff v1.0.0 // indirect
