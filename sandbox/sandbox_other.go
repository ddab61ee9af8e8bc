//go:build !linux

package sandbox

import (
	"context"
	"net"
	"time"
)

// Netns is a network namespace; there are none here.
type Netns struct{}

// NewNetns returns ErrNotSupported.
func NewNetns() (*Netns, error) { return nil, ErrNotSupported }

// Do returns ErrNotSupported.
func (n *Netns) Do(f func() error) error { return ErrNotSupported }

// Close does nothing.
func (n *Netns) Close() error { return nil }

// Pids returns nothing.
func (n *Netns) Pids() []int { return nil }

// Veth is a veth pair; there are none here.
type Veth struct {
	A, B       string
	MACA, MACB net.HardwareAddr
}

// NewVeth returns ErrNotSupported.
func NewVeth(a, b *Netns) (*Veth, error) { return nil, ErrNotSupported }

// Process is a running program; none run here.
type Process struct{}

// Start returns ErrNotSupported.
func Start(ctx context.Context, cfg Config) (*Process, error) { return nil, ErrNotSupported }

// WaitReady returns ErrNotReady.
func (p *Process) WaitReady(timeout time.Duration) error { return ErrNotReady }

// WaitLines returns ErrNotReady.
func (p *Process) WaitLines(n int, timeout time.Duration) error { return ErrNotReady }

// WaitQuiet returns at once.
func (p *Process) WaitQuiet(idle, max time.Duration) {}

// Exited is closed.
func (p *Process) Exited() <-chan struct{} { c := make(chan struct{}); close(c); return c }

// Output returns nothing.
func (p *Process) Output() []byte { return nil }

// Stop returns an empty result.
func (p *Process) Stop(grace time.Duration) Result { return Result{} }

// Wait returns an empty result.
func (p *Process) Wait() Result { return Result{} }

// CheckUser returns ErrNotSupported.
func CheckUser(name string) error { return ErrNotSupported }

// RemoveStale does nothing.
func RemoveStale() {}

// Describe says that programs cannot run here.
func Describe() string { return "sandbox: " + ErrNotSupported.Error() }
