//go:build !linux

package record

import (
	"errors"
	"runtime"
)

// newEnv fails: recording needs Linux's AF_PACKET capture of the loopback
// (and its network namespaces).
func newEnv(netns bool) (env, error) {
	return nil, errors.New("recording is not supported on " + runtime.GOOS + ": it needs Linux")
}
