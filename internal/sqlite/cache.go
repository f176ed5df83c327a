package sqlite

import "math"

// sensorCache is the writer's memory of the sensors it has written: their
// keys and newest stored timestamps, which spares a group write its sensor
// lookup. It is used only inside writer jobs, on the writer's goroutine.
//
// A cached newest timestamp is never below the true one: the write path
// raises it before its transaction commits, and everything that could make
// an entry wrong drops the whole cache first: a rollback, any job not
// marked keep (DeleteSensor, for one, frees a sensor ID whose next
// registration gets a new key), and a commit by another connection, which
// SQLite's data_version reveals. Retention lowers the true newest
// timestamp only when it deletes all of a sensor's readings, and a cached
// value above the truth only costs a dedup check.
type sensorCache struct {
	version int64 // data_version when the entries were valid
	entries map[sensorName]cachedSensor
}

type cachedSensor struct {
	key    int64
	stored int64 // newest stored timestamp, math.MinInt64 for none
}

// validate drops the entries if another connection has committed since
// they were valid.
func (c *sensorCache) validate(tx *wtx) error {
	var v int64
	if err := tx.queryRow(`PRAGMA data_version`).Scan(&v); err != nil {
		return err
	}
	if v != c.version {
		clear(c.entries)
		c.version = v
	}
	return nil
}

// get returns the cached state of a sensor.
func (c *sensorCache) get(n sensorName) (*sensorState, bool) {
	e, ok := c.entries[n]
	if !ok {
		return nil, false
	}
	return &sensorState{name: n, key: e.key, stored: e.stored, pendMax: math.MinInt64}, true
}

// put caches a sensor's state once the group's readings are written.
func (c *sensorCache) put(st *sensorState) {
	if c.entries == nil {
		c.entries = map[sensorName]cachedSensor{}
	}
	c.entries[st.name] = cachedSensor{key: st.key, stored: st.newest()}
}

// forgetState drops the writer's cached state: the sensor cache and what
// it knows to be queued for compaction.
func (db *DB) forgetState() {
	clear(db.cache.entries)
	db.blocks.rolledBack()
}
