//go:build !unix

package echo

import (
	"fmt"
	"net"
)

// setBacklog: Windows has no way to change a Go listener's backlog.
func setBacklog(net.Listener, int) error {
	return fmt.Errorf("a listen backlog: %w", ErrNotSupported)
}
