//go:build unix

package ingest_test

import (
	"syscall"
	"time"
)

// processCPUTime returns the user and system CPU time of the process, so
// that benchmarks can report throughput per CPU-second, which other
// processes on a busy machine do not distort the way they distort wall time.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
