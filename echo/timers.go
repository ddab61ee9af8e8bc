package echo

// timerKind says what a timer entry of the event loop is for.
type timerKind uint8

const (
	timerDelay  timerKind = iota + 1 // a connection's Delay is over: send its echo
	timerIdle                        // check a connection's idle deadline
	timerGrace                       // the shutdown grace period is over
	timerAccept                      // resume accepting after running out of descriptors
)

// timer is one deadline of the event loop. fd and gen name a connection;
// gen tells a reused descriptor from the connection the timer was set for.
type timer struct {
	at   int64 // nanoseconds since the loop started
	fd   int32
	gen  uint32
	kind timerKind
}

// timerHeap is a binary min-heap of timers ordered by at. It is written
// out rather than built on container/heap because that boxes every pushed
// value in an interface, an allocation per message in the Delay path.
type timerHeap []timer

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].at <= s[i].at {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

// peek returns the earliest timer; ok is false when the heap is empty.
func (h timerHeap) peek() (t timer, ok bool) {
	if len(h) == 0 {
		return timer{}, false
	}
	return h[0], true
}

// pop removes and returns the earliest timer; the heap must not be empty.
func (h *timerHeap) pop() timer {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s[l].at < s[m].at {
			m = l
		}
		if r < len(s) && s[r].at < s[m].at {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
