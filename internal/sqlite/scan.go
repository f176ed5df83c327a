package sqlite

import (
	"container/heap"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"

	"smartmaint"
	"smartmaint/internal/tsblock"
)

// scanQuery is a read of raw readings: the readings of some sensors between
// lo and hi (inclusive, µs), oldest or newest first (ties by sensor ID),
// after an optional keyset cursor, skipping the first skip of them.
type scanQuery struct {
	lo, hi int64
	desc   bool
	after  *smartmaint.ReadingCursor
	skip   int
}

// visit receives one reading of a scan: point i of block view v of sensor s.
// Returning errStop ends the scan without an error.
type visit func(s *sensorRef, v *tsblock.View, i int) error

// scanner reads raw readings from blocks. Blocks never span an hour, so it
// walks the hours that hold readings, in the scan's order, with one
// statement that lists block headers (no data) ordered by start; within an
// hour it merges the blocks of every sensor with a heap, opening a block
// (reading and checking its data, decoding its timestamps) only when the
// merge reaches it. Blocks of one sensor-hour may overlap in time, never in
// readings. A listing of the newest 100 readings of 100 sensors thus decodes
// about one block per sensor; an export holds one hour of block headers and
// the blocks being merged.
type scanner struct {
	ctx     context.Context
	tx      *sql.Tx
	q       scanQuery
	sensors []sensorRef
	bounds  [][2]int64 // per sensor: its lo and hi after the cursor
	db      *DB
	free    []*tsblock.View
	fn      visit
}

// blockHead is a block in a scan's merge.
type blockHead struct {
	id         int64
	sensor     int // index in scanner.sensors
	start, end int64
	n          int
	view       *tsblock.View // nil until opened
	i, stop    int           // next point and the bound past the last one (stop < i when descending)
	ts         int64         // the next point's time; before opening, a bound on it
}

// scan calls fn for every reading of sensors (sorted by ID) that q selects,
// in q's order, until fn returns errStop or an error.
func (db *DB) scan(ctx context.Context, tx *sql.Tx, tenant string, sensors []sensorRef, q scanQuery, fn visit) error {
	if len(sensors) == 0 {
		return nil
	}
	s := &scanner{ctx: ctx, tx: tx, q: q, sensors: sensors, fn: fn, bounds: make([][2]int64, len(sensors)), db: db}
	glo, ghi := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range sensors {
		lo, hi := armBounds(sensors[i].id, q.after, q.desc, q.lo, q.hi)
		s.bounds[i] = [2]int64{lo, hi}
		if lo <= hi {
			glo, ghi = min(glo, lo), max(ghi, hi)
		}
	}
	if glo > ghi {
		return nil
	}
	rows, err := db.blockHeaders(ctx, tx, tenant, sensors, s.bounds, q.desc, glo, ghi)
	if err != nil {
		return err
	}
	defer rows.Close()
	return s.run(rows, len(sensors) > fewSensors)
}

// run walks the block headers hour by hour. byKey tells that the headers
// carry sensor keys (the scan over all sensors) rather than indexes.
func (s *scanner) run(rows *sql.Rows, byKey bool) error {
	var index map[int64]int
	if byKey {
		index = make(map[int64]int, len(s.sensors))
		for i := range s.sensors {
			index[s.sensors[i].key] = i
		}
	}
	var hour []*blockHead
	at := int64(math.MinInt64)
	for rows.Next() {
		b := &blockHead{}
		var ref int64
		if err := rows.Scan(&b.id, &ref, &b.start, &b.end, &b.n); err != nil {
			return err
		}
		b.sensor = int(ref)
		if byKey {
			i, ok := index[ref]
			if !ok {
				continue // a sensor of the tenant that the query does not select
			}
			b.sensor = i
		}
		if lo, hi := s.bounds[b.sensor][0], s.bounds[b.sensor][1]; b.end < lo || b.start > hi {
			continue
		}
		if h := hourOf(b.start); h != at {
			if err := s.hour(hour); err != nil {
				return err
			}
			hour, at = hour[:0], h
		}
		hour = append(hour, b)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return s.hour(hour)
}

// hour merges the blocks of one hour. Blocks wait, sorted by the bound
// they put on their first reading (start, or end when descending, within
// their sensor's bounds), until the merge reaches that bound; then all the
// blocks it reaches are read with one statement and join the heap of open
// blocks.
func (s *scanner) hour(blocks []*blockHead) error {
	if len(blocks) == 0 || s.skipHour(blocks) {
		return nil
	}
	for _, b := range blocks {
		lo, hi := s.bounds[b.sensor][0], s.bounds[b.sensor][1]
		b.ts = max(b.start, lo)
		if s.q.desc {
			b.ts = min(b.end, hi)
		}
	}
	h := &blockHeap{s: s}
	slices.SortFunc(blocks, func(a, b *blockHead) int {
		if h.before(a, b) {
			return -1
		}
		return 1
	})
	pending := blocks
	for {
		// Open the blocks whose first reading may come before the next one.
		n := 0
		for n < len(pending) && (h.Len() == 0 && n == 0 || h.Len() > 0 && !h.before(h.heads[0], pending[n])) {
			n++
		}
		if n > 0 {
			if err := s.openAll(h, pending[:n]); err != nil {
				return err
			}
			pending = pending[n:]
			continue
		}
		if h.Len() == 0 {
			return nil
		}
		if err := s.emit(h); err != nil {
			return err
		}
	}
}

// emit passes the next reading of the merge to the scan's visit and
// advances its block.
func (s *scanner) emit(h *blockHeap) error {
	b := h.heads[0]
	if s.q.skip > 0 {
		s.q.skip--
	} else if err := s.fn(&s.sensors[b.sensor], b.view, b.i); err != nil {
		return err
	}
	if s.q.desc {
		b.i--
	} else {
		b.i++
	}
	if b.i == b.stop {
		s.release(heap.Pop(h).(*blockHead))
		return nil
	}
	b.ts = b.view.TS[b.i]
	heap.Fix(h, 0)
	return nil
}

// openAll reads and opens blocks, with one statement per blockChunk of
// them, and pushes those with readings within their bounds onto the heap.
func (s *scanner) openAll(h *blockHeap, blocks []*blockHead) error {
	byID := make(map[int64]*blockHead, len(blocks))
	for lo := 0; lo < len(blocks); lo += blockChunk {
		chunk := blocks[lo:min(lo+blockChunk, len(blocks))]
		n := 1
		for n < len(chunk) {
			n *= 2
		}
		args := make([]any, n)
		for i := range n {
			b := chunk[min(i, len(chunk)-1)]
			args[i] = b.id
			byID[b.id] = b
		}
		st, err := s.db.cachedStmt(s.ctx, fmt.Sprint("data ", n), `SELECT id, data FROM reading_blocks WHERE id IN (`+placeholders(n)+`)`)
		if err != nil {
			return err
		}
		rows, err := s.tx.StmtContext(s.ctx, st).QueryContext(s.ctx, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var data []byte
			if err := rows.Scan(&id, &data); err != nil {
				rows.Close()
				return err
			}
			b := byID[id]
			if err := s.open(b, data); err != nil {
				rows.Close()
				return err
			}
			if b.i != b.stop {
				heap.Push(h, b)
			} else {
				s.release(b)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// skipHour skips a whole hour when the readings still to skip include all
// of it, which the headers tell without reading a block: every block lies
// within its sensor's bounds, so the hour holds the sum of their counts.
func (s *scanner) skipHour(blocks []*blockHead) bool {
	if s.q.skip == 0 {
		return false
	}
	total := 0
	for _, b := range blocks {
		if b.start < s.bounds[b.sensor][0] || b.end > s.bounds[b.sensor][1] {
			return false
		}
		total += b.n
	}
	if total > s.q.skip {
		return false
	}
	s.q.skip -= total
	return true
}

// open checks a block's data and positions it on its first point within
// its sensor's bounds.
func (s *scanner) open(b *blockHead, data []byte) error {
	v := s.view()
	if err := v.Reset(data); err != nil {
		return corrupt(s.sensors[b.sensor].key, err)
	}
	b.view = v
	lo, hi := s.bounds[b.sensor][0], s.bounds[b.sensor][1]
	first, past := v.Search(lo), len(v.TS)
	if hi < math.MaxInt64 {
		past = v.Search(hi + 1)
	}
	b.i, b.stop = first, past
	if s.q.desc {
		b.i, b.stop = past-1, first-1
	}
	if b.i != b.stop {
		b.ts = v.TS[b.i]
	}
	return nil
}

func (s *scanner) view() *tsblock.View {
	if n := len(s.free); n > 0 {
		v := s.free[n-1]
		s.free = s.free[:n-1]
		return v
	}
	return &tsblock.View{}
}

// release returns a finished block's view for reuse. Its timestamps are
// reused; the block's data (which metadata handed out may alias) is not.
func (s *scanner) release(b *blockHead) {
	if b.view != nil {
		s.free = append(s.free, b.view)
		b.view = nil
	}
}

// blockHeap orders open blocks by their next point: time (in the scan's
// direction), then sensor ID.
type blockHeap struct {
	s     *scanner
	heads []*blockHead
}

// before reports whether a's next point comes before b's (or b's bound).
func (h *blockHeap) before(a, b *blockHead) bool {
	if a.ts != b.ts {
		return (a.ts > b.ts) == h.s.q.desc
	}
	return a.sensor < b.sensor // sensors are sorted by ID
}

func (h *blockHeap) Len() int { return len(h.heads) }

func (h *blockHeap) Less(i, j int) bool { return h.before(h.heads[i], h.heads[j]) }

func (h *blockHeap) Swap(i, j int) { h.heads[i], h.heads[j] = h.heads[j], h.heads[i] }

func (h *blockHeap) Push(x any) { h.heads = append(h.heads, x.(*blockHead)) }

func (h *blockHeap) Pop() any {
	b := h.heads[len(h.heads)-1]
	h.heads = h.heads[:len(h.heads)-1]
	return b
}
