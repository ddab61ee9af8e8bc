package replay

import (
	"bytes"
	"testing"
	"time"
)

func TestStatsWriteEnd(t *testing.T) {
	st := Stats{Sent: 2, Bytes: 200, Failed: 1, Elapsed: time.Second}
	for _, tc := range []struct {
		idle, interrupted bool
		want              string
	}{
		{false, false, "turtle replay: 2 frames (200 bytes) sent, 1 failed, 1.000000 s, 2.0 frames/s, 0.00 Mbit/s\n"},
		{false, true, "turtle replay: 2 frames (200 bytes) sent, 1 failed, 1.000000 s, 2.0 frames/s, 0.00 Mbit/s (interrupted)\n"},
		{true, false, "turtle replay: --loop 0: a whole pass over the captures sent no frame (empty, refused or filtered out); stopping\n" +
			"turtle replay: 2 frames (200 bytes) sent, 1 failed, 1.000000 s, 2.0 frames/s, 0.00 Mbit/s\n"},
	} {
		st.Idle = tc.idle
		var buf bytes.Buffer
		if err := st.WriteEnd(&buf, tc.interrupted); err != nil || buf.String() != tc.want {
			t.Errorf("idle %v interrupted %v: %q, %v; want %q", tc.idle, tc.interrupted, buf.String(), err, tc.want)
		}
	}
}
