//go:build !linux

package programs

import "github.com/turtle-sniffer/turtle/sandbox"

func waitsOnPacketSocket(ns *sandbox.Netns) bool { return false }
