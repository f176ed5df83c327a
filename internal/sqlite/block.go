package sqlite

import (
	"fmt"
	"time"
)

// maxBlockPoints is the most readings one block holds: a write or a merge
// of more readings in one sensor-hour stores consecutive blocks.
const maxBlockPoints = 1024

// hourOf returns the start of the hour that holds ts (µs).
func hourOf(ts int64) int64 { return floorDiv(ts, hourMicros) * hourMicros }

// corrupt reports a block that does not decode: the database file was
// damaged. The error is classified as internal.
func corrupt(key int64, err error) error {
	return fmt.Errorf("sqlite: a reading block of sensor key %d does not decode: %w", key, err)
}

// shKey names one sensor-hour.
type shKey struct{ key, hour int64 }

// shTouch is what the writer remembers of recent writes to one sensor-hour.
type shTouch struct {
	at     time.Time // last write (wall clock)
	blocks int       // small blocks written since the compaction job last looked
}

// blockState is the writer's memory of recent block writes, which spares
// the write path statements and tells the compaction job which sensor-hours
// are still being written. It is used only inside writer jobs, on the
// writer's goroutine, so it needs no lock; the queue itself is the
// block_merges table, and losing this memory (at a restart, or when a
// transaction rolls back) only costs a redundant statement.
type blockState struct {
	queued map[shKey]bool // in block_merges (committed or in the open transaction)
	recent map[shKey]*shTouch
}

// mark reports whether the sensor-hour must be added to block_merges, and
// remembers that it is there.
func (s *blockState) mark(key, hour int64) bool {
	k := shKey{key, hour}
	if s.queued[k] {
		return false
	}
	if s.queued == nil {
		s.queued = map[shKey]bool{}
	}
	s.queued[k] = true
	return true
}

// touch records a write of a block to a queued sensor-hour; small tells that
// the block holds fewer than tierLimit readings.
func (s *blockState) touch(key, hour int64, small bool) {
	k := shKey{key, hour}
	t := s.recent[k]
	if t == nil {
		if s.recent == nil {
			s.recent = map[shKey]*shTouch{}
		}
		t = &shTouch{}
		s.recent[k] = t
	}
	t.at = time.Now()
	if small {
		t.blocks++
	}
}

// forgetQuiet drops what it remembers of sensor-hours not written for
// compactQuiet: the compaction job treats them as quiet either way.
func (s *blockState) forgetQuiet() {
	for k, t := range s.recent {
		if time.Since(t.at) >= compactQuiet {
			delete(s.recent, k)
		}
	}
}

// rolledBack forgets what is queued: the writer's transaction may have
// undone it.
func (s *blockState) rolledBack() { clear(s.queued) }
