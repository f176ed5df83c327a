//go:build unix

package iforest

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) used by this process, so
// that benchmarks on a shared machine can report throughput per CPU-second
// as well as per wall-clock second.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
