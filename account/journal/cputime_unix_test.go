//go:build unix

package journal

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, user and system, on
// every thread (the garbage collector's included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
