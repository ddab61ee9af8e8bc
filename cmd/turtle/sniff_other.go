//go:build !unix

package main

// dropPrivileges has nothing to drop where there are no Unix user ids;
// Npcap decides on Windows who may capture.
func dropPrivileges(name string) error { return nil }

// checkUser has no user to look up where dropPrivileges does nothing.
func checkUser(name string) error { return nil }
