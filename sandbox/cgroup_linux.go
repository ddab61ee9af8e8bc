//go:build linux

package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A job's limits on memory, processes and CPU hold for all its processes
// together where the machine lets turtle make control groups, written
// through their files (no library needed for a handful of writes):
//
//   - cgroup v2 (one hierarchy at /sys/fs/cgroup with the memory and pids
//     controllers): memory.max, memory.swap.max, pids.max, cpu.max, and
//     cgroup.kill at the end;
//   - cgroup v1 (a hierarchy per controller): memory.limit_in_bytes (and
//     memsw, so swap is no way out), pids.max, cpu.cfs_quota_us, and the
//     freezer to stop every process before it is killed;
//   - neither: each process's rlimits only (RLIMIT_DATA for memory,
//     RLIMIT_NPROC for processes counted per uid, which is the job's own).
//
// A job gets one CPU's worth of time (cpu quota) so a program spinning in
// many threads cannot take the machine from its classmates.

// cgroupKind says which kind of control groups jobs get: "v2", "v1" or ""
// (none writable here), with the controllers that hold.
type cgroupKind struct {
	version string
	mounts  map[string]string // v1: controller -> folder turtle's groups go in
	v2      string            // v2: folder turtle's groups go in
	memory  bool
	pids    bool
	cpu     bool
	freezer bool
	whyNot  string
}

var (
	cgOnce sync.Once
	cgHere cgroupKind
	cgSeq  atomic.Int32
)

// ownCgroups returns turtle's own group per hierarchy, from
// /proc/self/cgroup: "" for v2's, else each v1 controller's.
func ownCgroups() map[string]string {
	own := map[string]string{}
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return own
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			own[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			own[c] = parts[2]
		}
	}
	return own
}

// writable reports whether dir is a folder root can make a group in.
func writable(dir string) bool {
	probe := filepath.Join(dir, fmt.Sprintf("turtle-probe-%d-%d", os.Getpid(), cgSeq.Add(1)))
	if err := os.Mkdir(probe, 0o700); err != nil {
		return false
	}
	os.Remove(probe)
	return true
}

func cgroups() cgroupKind {
	cgOnce.Do(func() {
		if os.Geteuid() != 0 {
			cgHere.whyNot = "not root"
			return
		}
		own := ownCgroups()
		// v2: the unified hierarchy at /sys/fs/cgroup with memory and pids.
		// Controllers reach a child through its parent's subtree_control,
		// which Linux refuses in a group that holds processes itself (other
		// than the root): turtle's own group (a login session's, say) often
		// does, so the root of the hierarchy is tried after it, as isolate
		// keeps its groups there.
		if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil {
			ctl := " " + strings.TrimSpace(string(b)) + " "
			if strings.Contains(ctl, " memory ") && strings.Contains(ctl, " pids ") {
				wants := []string{"+memory +pids"}
				if strings.Contains(ctl, " cpu ") {
					wants = []string{"+memory +pids +cpu", "+memory +pids"} // cpu is refused beside realtime threads
				}
				for _, dir := range []string{filepath.Join("/sys/fs/cgroup", own[""]), "/sys/fs/cgroup"} {
					if !writable(dir) {
						continue
					}
					for _, want := range wants {
						if err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte(want), 0); err == nil {
							cgHere = cgroupKind{version: "v2", v2: dir, memory: true, pids: true, cpu: strings.Contains(want, "cpu"), freezer: true}
							return
						}
					}
				}
			}
		}
		// v1: a hierarchy per controller.
		files := map[string]string{"memory": "memory.limit_in_bytes", "pids": "pids.max", "cpu": "cpu.cfs_quota_us", "freezer": "freezer.state"}
		k := cgroupKind{version: "v1", mounts: map[string]string{}}
		for ctl, file := range files {
			path, ok := own[ctl]
			if !ok {
				continue
			}
			dir := filepath.Join("/sys/fs/cgroup", ctl, path)
			if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err != nil {
				continue
			}
			if ctl != "pids" && ctl != "freezer" { // the root groups of these lack their files
				if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
					continue
				}
			}
			if writable(dir) {
				k.mounts[ctl] = dir
			}
		}
		_, k.memory = k.mounts["memory"]
		_, k.pids = k.mounts["pids"]
		_, k.cpu = k.mounts["cpu"]
		_, k.freezer = k.mounts["freezer"]
		if len(k.mounts) == 0 {
			cgHere.whyNot = "no cgroup turtle can write to"
			return
		}
		cgHere = k
	})
	return cgHere
}

// cgroup is one job's group (a folder per v1 controller, or one v2 folder).
type cgroup struct {
	kind cgroupKind
	mu   sync.Mutex        // kill (from a timer) may meet remove
	dirs map[string]string // controller ("" for v2) -> the job's folder
	lim  Limits
}

// newCgroup makes the job's groups with lim's memory, process and CPU
// limits; extra processes (the gate, bwrap) are added to the process limit.
func newCgroup(lim Limits, extra int) (*cgroup, error) {
	k := cgroups()
	if k.version == "" {
		return nil, nil
	}
	name := fmt.Sprintf("turtle-sandbox-%d-%d", os.Getpid(), cgSeq.Add(1))
	c := &cgroup{kind: k, dirs: map[string]string{}, lim: lim}
	mk := func(ctl, parent string) error {
		dir := filepath.Join(parent, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
		c.dirs[ctl] = dir
		return nil
	}
	set := func(ctl, file, value string) error {
		if err := os.WriteFile(filepath.Join(c.dirs[ctl], file), []byte(value), 0); err != nil {
			return fmt.Errorf("cgroup %s: %w", file, err)
		}
		return nil
	}
	mem := strconv.FormatInt(lim.Memory, 10)
	procs := strconv.Itoa(lim.Procs + extra)
	var err error
	if k.version == "v2" {
		err = mk("", k.v2)
		for _, kv := range [][2]string{{"memory.max", mem}, {"memory.swap.max", "0"}, {"pids.max", procs}, {"cpu.max", "100000 100000"}} {
			if err == nil && (kv[0] != "cpu.max" || k.cpu) {
				if e := set("", kv[0], kv[1]); e != nil && kv[0] != "memory.swap.max" {
					err = e
				}
			}
		}
	} else {
		for ctl, parent := range k.mounts {
			if err == nil {
				err = mk(ctl, parent)
			}
		}
		if err == nil && k.memory {
			err = set("memory", "memory.limit_in_bytes", mem)
			if _, serr := os.Stat(filepath.Join(c.dirs["memory"], "memory.memsw.limit_in_bytes")); err == nil && serr == nil {
				err = set("memory", "memory.memsw.limit_in_bytes", mem)
			}
			// Where swap is not accounted (no memsw file), swappiness 0
			// keeps the group's reclaim from swapping: the job is
			// OOM-killed at its limit instead of spilling into swap.
			if err == nil {
				set("memory", "memory.swappiness", "0")
			}
		}
		if err == nil && k.pids {
			err = set("pids", "pids.max", procs)
		}
		if err == nil && k.cpu {
			err = set("cpu", "cpu.cfs_period_us", "100000")
			if err == nil {
				err = set("cpu", "cpu.cfs_quota_us", "100000")
			}
		}
	}
	if err != nil {
		c.remove()
		return nil, err
	}
	return c, nil
}

// add moves process pid (the waiting gate) into the job's groups.
func (c *cgroup) add(pid int) error {
	for _, dir := range c.dirs {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
	}
	return nil
}

// pids lists the processes in the job's group.
func (c *cgroup) pids() []int {
	for ctl, dir := range c.dirs {
		if ctl != "" && ctl != "freezer" && ctl != "pids" && len(c.dirs) > 1 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			continue
		}
		var out []int
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	return nil
}

// kill kills every process of the job at once: cgroup.kill (v2), or with
// the freezer holding them still (v1) so none forks while they are killed.
func (c *cgroup) kill(killPid func(int)) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if dir, ok := c.dirs[""]; ok {
		if os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0) == nil {
			return
		}
	}
	fz, frozen := c.dirs["freezer"]
	if frozen {
		frozen = os.WriteFile(filepath.Join(fz, "freezer.state"), []byte("FROZEN"), 0) == nil
	}
	for range 3 {
		for _, pid := range c.pids() {
			killPid(pid)
		}
	}
	if frozen {
		os.WriteFile(filepath.Join(fz, "freezer.state"), []byte("THAWED"), 0)
	}
}

// hit names the limit the kernel enforced on the job, "" if none: the
// memory limit when its OOM killer killed a process, the process limit
// when a fork was refused.
func (c *cgroup) hit() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	count := func(ctl, file, key string) int {
		dir, ok := c.dirs[ctl]
		if !ok {
			return 0
		}
		b, _ := os.ReadFile(filepath.Join(dir, file))
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == key {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
		return 0
	}
	if c.kind.version == "v2" {
		switch {
		case count("", "memory.events", "oom_kill") > 0:
			return "memory " + sizeText(c.lim.Memory)
		case count("", "pids.events", "max") > 0:
			return "processes " + strconv.Itoa(c.lim.Procs)
		}
		return ""
	}
	switch {
	case count("memory", "memory.oom_control", "oom_kill") > 0:
		return "memory " + sizeText(c.lim.Memory)
	case count("pids", "pids.events", "max") > 0:
		return "processes " + strconv.Itoa(c.lim.Procs)
	}
	return ""
}

// remove removes the job's groups once their processes are gone.
func (c *cgroup) remove() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	deadline := time.Now().Add(2 * time.Second)
	for ctl, dir := range c.dirs {
		for {
			err := os.Remove(dir)
			if err == nil || errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		delete(c.dirs, ctl)
	}
}

// Describe says, in one line for the report, how programs are
// contained on this machine: their uid, namespaces, and which limits hold
// for the whole program and which per process only.
func Describe() string {
	var b strings.Builder
	b.WriteString("sandbox: each program as a uid of its own (or --user) in a network namespace; ")
	if ok, why := Mounts(); ok {
		b.WriteString("mount, PID, IPC and UTS namespaces (bubblewrap); ")
	} else {
		b.WriteString("no mount namespace (" + why + ": it sees the host's files as its uid may); ")
	}
	b.WriteString(seccompLine())
	k := cgroups()
	var whole, per []string
	add := func(held bool, name, fallback string) {
		if held {
			whole = append(whole, name)
		} else if fallback != "" {
			per = append(per, fallback)
		}
	}
	add(k.memory, "memory", "memory (RLIMIT_DATA)")
	add(k.pids, "processes", "processes (RLIMIT_NPROC, per uid)")
	add(k.cpu, "one CPU", "")
	if len(whole) > 0 {
		b.WriteString("limits on the whole program (cgroup " + k.version + "): " + strings.Join(whole, ", "))
	} else {
		b.WriteString("no cgroup (" + k.whyNot + ")")
	}
	per = append(per, "CPU time, file size (rlimits)")
	b.WriteString("; per process: " + strings.Join(per, ", "))
	return b.String()
}

// removeStaleCgroups removes the groups of turtles that no longer exist
// (killed with SIGKILL: their programs died with them, their groups not).
func removeStaleCgroups() {
	k := cgroups()
	parents := []string{k.v2}
	for _, dir := range k.mounts {
		parents = append(parents, dir)
	}
	for _, parent := range parents {
		if parent == "" {
			continue
		}
		matches, _ := filepath.Glob(filepath.Join(parent, "turtle-sandbox-*-*"))
		for _, m := range matches {
			pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(m), "turtle-sandbox-"), "-")
			if pid, err := strconv.Atoi(pidText); err == nil && pid > 0 && !alive(pid) {
				removeOrphanGroup(m)
			}
		}
	}
}

// removeOrphanGroup removes the group of a turtle that no longer exists.
// Its programs died with it, but one may still be leaving the group (its
// working folder already released, its exit not yet done: rmdir says the
// group is busy), and a turtle killed while it held them frozen leaves
// them frozen; so the group is thawed, whatever is left in it is killed,
// and removal is retried for up to two seconds.
func removeOrphanGroup(dir string) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := os.Remove(dir)
		if err == nil || errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			return
		}
		os.WriteFile(filepath.Join(dir, "freezer.state"), []byte("THAWED"), 0)
		b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}
