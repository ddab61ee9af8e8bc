//go:build race

package golden_test

// raceEnabled: the race detector multiplies memory, so the tests that
// measure a process's resident memory skip under it.
const raceEnabled = true
