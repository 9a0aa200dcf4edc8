package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Machine is what the figures were measured on.
type Machine struct {
	Date      string  `json:"date"` // UTC, YYYY-MM-DD
	OS        string  `json:"os"`
	CPUs      int     `json:"cpus"`
	Model     string  `json:"cpu_model"`
	MemGiB    float64 `json:"mem_gib"`
	Go        string  `json:"go"`
	LoadStart string  `json:"load_start"` // 1, 5 and 15 minute load averages
	LoadEnd   string  `json:"load_end"`
}

// thisMachine describes the machine from /proc where there is one.
func thisMachine(now time.Time) Machine {
	m := Machine{
		Date:      now.UTC().Format("2006-01-02"),
		OS:        runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:      runtime.NumCPU(),
		Model:     "unknown CPU",
		Go:        runtime.Version(),
		LoadStart: loadAverage(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if v, ok := procField(b, "model name"); ok {
			m.Model = v
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if v, ok := procField(b, "MemTotal"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
			m.MemGiB = kb / (1 << 20)
		}
	}
	return m
}

// loadAverage is the first three fields of /proc/loadavg: how busy the
// shared machine was, which the figures depend on.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// procField returns the value of the first "name: value" line of a /proc
// file.
func procField(b []byte, name string) (string, bool) {
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// Peak RSS comes from the kernel's high-water mark of this process
// (VmHWM), which Linux resets to the current RSS when "5" is written to
// /proc/self/clear_refs: so each phase of the run gets its own peak.

var errNoRSS = errors.New("needs Linux's /proc/self/clear_refs and VmHWM")

// resetPeakRSS returns what it can of the Go heap to the system, so that a
// phase does not inherit the garbage of the one before, and starts a new
// high-water mark.
func resetPeakRSS() error {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("%w: %v", errNoRSS, err)
	}
	return nil
}

// peakRSS is the high-water mark of the resident set since the last reset,
// in bytes.
func peakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errNoRSS, err)
	}
	v, ok := procField(b, "VmHWM")
	if !ok {
		return 0, errNoRSS
	}
	kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("VmHWM %q: %w", v, err)
	}
	return kb << 10, nil
}
