package smartmaint_test

import (
	"testing"
	"time"

	"smartmaint"
)

// chain builds n linked entries of one tenant.
func chain(n int) []*smartmaint.AuditEntry {
	var out []*smartmaint.AuditEntry
	prev := ""
	for i := 1; i <= n; i++ {
		e := &smartmaint.AuditEntry{TenantID: "t", Seq: int64(i), Time: time.Unix(int64(i), 0), ActorKind: "user", ActorID: "u1",
			Action: "site.update", TargetType: "site", TargetID: "s1", Summary: []byte(`{"n":1}`), PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(entries []*smartmaint.AuditEntry) smartmaint.AuditVerification {
	return smartmaint.VerifyChain("t", func(yield func(*smartmaint.AuditEntry) bool) {
		for _, e := range entries {
			if !yield(e) {
				return
			}
		}
	})
}

func TestVerifyChain(t *testing.T) {
	if v := verify(chain(5)); !v.OK || v.Entries != 5 || v.HeadHash != chain(5)[4].Hash {
		t.Fatalf("intact chain: %+v", v)
	}
	tests := []struct {
		name   string
		tamper func([]*smartmaint.AuditEntry) []*smartmaint.AuditEntry
		bad    int64
	}{
		{"edited summary", func(c []*smartmaint.AuditEntry) []*smartmaint.AuditEntry { c[2].Summary = []byte(`{"n":2}`); return c }, 3},
		{"edited actor", func(c []*smartmaint.AuditEntry) []*smartmaint.AuditEntry { c[0].ActorID = "u2"; return c }, 1},
		{"removed entry", func(c []*smartmaint.AuditEntry) []*smartmaint.AuditEntry { return append(c[:1], c[2:]...) }, 3},
		{"swapped entries", func(c []*smartmaint.AuditEntry) []*smartmaint.AuditEntry {
			c[1].Seq, c[2].Seq = 3, 2
			c[1], c[2] = c[2], c[1]
			return c
		}, 2},
		{"rehashed edit", func(c []*smartmaint.AuditEntry) []*smartmaint.AuditEntry {
			c[1].Action = "site.delete"
			c[1].Hash = c[1].ComputeHash() // the next entry's link still names the old hash
			return c
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verify(tt.tamper(chain(5)))
			if v.OK || v.FirstBadSeq != tt.bad || v.Problem == "" || v.HeadHash != "" {
				t.Fatalf("%+v, want the chain broken at %d", v, tt.bad)
			}
		})
	}
}

func TestAuditHashCoversEveryField(t *testing.T) {
	base := chain(1)[0]
	h := base.ComputeHash()
	edits := []func(e *smartmaint.AuditEntry){
		func(e *smartmaint.AuditEntry) { e.TenantID = "u" }, func(e *smartmaint.AuditEntry) { e.Seq = 2 },
		func(e *smartmaint.AuditEntry) { e.Time = e.Time.Add(time.Microsecond) }, func(e *smartmaint.AuditEntry) { e.ActorKind = "key" },
		func(e *smartmaint.AuditEntry) { e.ActorID = "x" }, func(e *smartmaint.AuditEntry) { e.Action = "x" },
		func(e *smartmaint.AuditEntry) { e.TargetType = "x" }, func(e *smartmaint.AuditEntry) { e.TargetID = "x" },
		func(e *smartmaint.AuditEntry) { e.RequestID = "x" }, func(e *smartmaint.AuditEntry) { e.ClientIP = "x" },
		func(e *smartmaint.AuditEntry) { e.Summary = []byte(`{}`) }, func(e *smartmaint.AuditEntry) { e.PrevHash = "x" },
		// Moving a byte from one field to the next must change the hash too.
		func(e *smartmaint.AuditEntry) { e.TargetType, e.TargetID = "sites", "1" },
	}
	for i, edit := range edits {
		e := *base
		edit(&e)
		if e.ComputeHash() == h {
			t.Errorf("edit %d leaves the hash unchanged", i)
		}
	}
}
