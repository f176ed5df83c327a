package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"smartmaint"
)

// Group commit of small writes. Single-reading ingest sends one reading per
// request; a transaction each spends the database's time on statements and
// commits, not on readings (about 1,200 per second on two cores). Instead,
// the small writes of a tenant that arrive while one of its groups is
// committing wait, and the first of them then commits all of them in one
// transaction — so a group is as large as the load makes it, and a lone
// write waits for nothing.
//
// Each call still gets its own result: its readings count as inserted or
// duplicate exactly as if it had been committed alone after the calls
// before it, and the sensors it registered are its own, audited under its
// own context. If the group's transaction fails, every call is written
// again on its own, so that a bad value fails its own call only.

// groupReadings bounds the readings of one group transaction.
const groupReadings = 1024

// groupTimeout bounds a group's transaction. It does not depend on the
// leading request's context: a client that goes away must not fail the
// writes of the others.
const groupTimeout = 30 * time.Second

// pendingWrite is one call waiting in a group.
type pendingWrite struct {
	ctx      context.Context
	readings []smartmaint.Reading
	res      smartmaint.WriteResult
	err      error
	done     bool          // res and err are final
	wake     chan struct{} // closed when done, or when this call is to lead the next group
}

// groupQueue holds the calls of one tenant waiting for the group being
// committed.
type groupQueue struct {
	busy    bool // a group of this tenant is committing
	waiting []*pendingWrite
}

// groups are the queues of the tenants with a group in progress.
type groups struct {
	mu     sync.Mutex
	queues map[string]*groupQueue
	counts groupCounts
}

// groupCounts are how many transactions committed groups and how many calls
// they carried.
type groupCounts struct{ groups, calls int }

func (g *groups) stats() groupCounts {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.counts
}

// writeGrouped stores a small write, in a group with the writes of the
// same tenant that arrive while another group commits.
func (db *DB) writeGrouped(ctx context.Context, tenant string, readings []smartmaint.Reading) (smartmaint.WriteResult, error) {
	p := &pendingWrite{ctx: ctx, readings: readings, wake: make(chan struct{})}
	g := &db.groups
	g.mu.Lock()
	if g.queues == nil {
		g.queues = map[string]*groupQueue{}
	}
	q := g.queues[tenant]
	if q == nil {
		q = &groupQueue{}
		g.queues[tenant] = q
	}
	if q.busy {
		q.waiting = append(q.waiting, p)
		g.mu.Unlock()
		<-p.wake
		if p.done {
			return p.res, p.err
		}
		g.mu.Lock() // this call leads the next group
	}
	q.busy = true
	group := []*pendingWrite{p}
	n := len(readings)
	for len(q.waiting) > 0 && n+len(q.waiting[0].readings) <= groupReadings {
		n += len(q.waiting[0].readings)
		group = append(group, q.waiting[0])
		q.waiting = q.waiting[1:]
	}
	g.counts.groups++
	g.counts.calls += len(group)
	g.mu.Unlock()

	db.commitGroup(ctx, tenant, group)

	g.mu.Lock()
	if len(q.waiting) > 0 {
		next := q.waiting[0]
		q.waiting = q.waiting[1:]
		close(next.wake)
	} else {
		delete(g.queues, tenant)
	}
	g.mu.Unlock()
	for _, w := range group[1:] {
		w.done = true
		close(w.wake)
	}
	return p.res, p.err
}

// commitGroup writes the calls of a group and sets their results.
func (db *DB) commitGroup(ctx context.Context, tenant string, group []*pendingWrite) {
	if len(group) == 1 {
		p := group[0]
		p.res, p.err = db.writeAlone(p.ctx, tenant, p.readings, smartmaint.WriteOptions{})
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	defer cancel()
	var all []smartmaint.Reading
	for _, p := range group {
		all = append(all, p.readings...)
	}
	err := db.writeTx(ctx, all, func(tx pgx.Tx) error {
		return db.writeGroup(ctx, tx, tenant, group, all)
	})
	if err == nil {
		return
	}
	for _, p := range group {
		p.res, p.err = db.writeAlone(p.ctx, tenant, p.readings, smartmaint.WriteOptions{})
	}
}

// writeGroup is the body of a group's transaction: it stores all the
// readings, then splits the outcome between the calls.
func (db *DB) writeGroup(ctx context.Context, tx pgx.Tx, tenant string, group []*pendingWrite, all []smartmaint.Reading) error {
	now := db.now()
	keys, inserted, created, err := storeReadings(ctx, tx, tenant, all, now, lockExclusive)
	if err != nil {
		return err
	}
	type row struct {
		key int64
		ts  int64
	}
	isNew := make(map[row]bool, len(inserted))
	for _, s := range inserted {
		isNew[row{s.key, s.ts.UnixNano()}] = true
	}
	registered := make(map[string]bool, len(created))
	for _, id := range created {
		registered[id] = true
	}
	i := 0
	for _, p := range group {
		p.res = smartmaint.WriteResult{}
		for _, r := range p.readings {
			k := row{keys[i], r.Time.UnixNano()}
			i++
			// The first reading of a (sensor, timestamp) in the group is
			// the one stored, as if the calls had been committed in turn.
			if isNew[k] {
				p.res.Inserted++
				delete(isNew, k)
			} else {
				p.res.Duplicates++
			}
			if registered[r.SensorID] {
				p.res.NewSensors = append(p.res.NewSensors, r.SensorID)
				delete(registered, r.SensorID)
			}
		}
	}
	// Last, so that the audit chain's lock is held only until the commit.
	// Each call's registrations are audited with its own actor, but a call
	// whose client went away does not cancel the group.
	for _, p := range group {
		if err := db.auditRegistrations(context.WithoutCancel(p.ctx), tx, tenant, p.readings, p.res.NewSensors, now); err != nil {
			return err
		}
	}
	return nil
}
