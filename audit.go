package smartmaint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// AuditEntry records one change: who (a user, an API key, the system or an
// anonymous caller), in which tenant, what action on which target, from which
// request and address, when, and a summary of what changed.
//
// Entries form one hash chain per tenant (platform-level events, such as
// tenant creation or a failed sign-in for an unknown account, use the chain
// of TenantID ""): Hash covers every field and PrevHash, the Hash of the
// entry before it, so editing, removing or reordering an entry breaks the
// chain from there on.
type AuditEntry struct {
	TenantID   string          `json:"tenant_id"`
	Seq        int64           `json:"seq"` // 1, 2, 3, … per tenant
	Time       time.Time       `json:"time"`
	ActorKind  string          `json:"actor_kind"` // "user", "key", "system" or "anonymous"
	ActorID    string          `json:"actor_id"`
	Action     string          `json:"action"` // e.g. "sensor.update", "auth.login_failed"
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	RequestID  string          `json:"request_id,omitempty"`
	ClientIP   string          `json:"client_ip,omitempty"`
	Summary    json.RawMessage `json:"summary,omitempty"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// ComputeHash returns the SHA-256 (hex) of the entry's fields and PrevHash,
// each written with its length so that no two entries encode alike. Both
// stores chain with it, and VerifyAudit recomputes it.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	for _, f := range []string{
		"smartmaint-audit-v1", e.PrevHash, e.TenantID, strconv.FormatInt(e.Seq, 10),
		e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"), e.ActorKind, e.ActorID, e.Action,
		e.TargetType, e.TargetID, e.RequestID, e.ClientIP, string(e.Summary),
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// NewAuditEntry returns an entry for action on target, with the actor, the
// request ID and the client IP taken from ctx, and summary marshalled to JSON
// (nil for none). The store fills TenantID, Seq, Time and the hashes.
func NewAuditEntry(ctx context.Context, action, targetType, targetID string, summary any) *AuditEntry {
	e := &AuditEntry{Action: action, TargetType: targetType, TargetID: targetID,
		RequestID: RequestIDFromContext(ctx), ClientIP: ClientIPFromContext(ctx), ActorKind: "system"}
	if p := PrincipalFromContext(ctx); p != nil {
		e.ActorKind, e.ActorID = p.Kind, p.ID
	}
	if summary != nil {
		if b, err := json.Marshal(summary); err == nil {
			e.Summary = b
		}
	}
	return e
}

// AuditFilter selects audit entries of the tenant in ctx, newest first.
type AuditFilter struct {
	Action     string
	ActorID    string
	TargetType string
	TargetID   string
	From, To   time.Time // inclusive; zero means unbounded
	Limit      int
	Offset     int
}

// AuditVerification is the result of checking a tenant's chain.
type AuditVerification struct {
	TenantID string `json:"tenant_id"`
	Entries  int64  `json:"entries"`
	OK       bool   `json:"ok"`
	// FirstBadSeq is the first entry whose hash, link or sequence number is
	// wrong (0 when OK); Problem says what is wrong with it.
	FirstBadSeq int64  `json:"first_bad_seq,omitempty"`
	Problem     string `json:"problem,omitempty"`
	// HeadHash is the hash of the last entry of an intact chain. A chain can
	// only prove what follows a hash recorded elsewhere: write it down (or
	// ship it to another system) to detect a later truncation or rewrite.
	HeadHash string `json:"head_hash,omitempty"`
}

// AuditService keeps the append-only audit log. Store methods that change
// state append their entry in the same transaction as the change; other
// events (sign-ins, sign-outs) use AppendAudit.
type AuditService interface {
	// AppendAudit appends e to the chain of the tenant in ctx (or of the
	// platform when ctx has no tenant), filling Seq, Time, PrevHash and Hash.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// FindAudit lists entries of the tenant in ctx (of the platform when ctx
	// has no tenant), newest first, with the total number of matches.
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, int, error)
	// ExportAudit streams every matching entry (Limit and Offset ignored) of
	// the same chain as FindAudit, oldest first.
	ExportAudit(ctx context.Context, f AuditFilter, fn func(*AuditEntry) error) error
	// VerifyAudit recomputes the chain of tenantID ("" for the platform) and
	// reports the first entry that does not check out.
	VerifyAudit(ctx context.Context, tenantID string) (AuditVerification, error)
	// AuditTenants lists the tenant IDs that have an audit chain.
	AuditTenants(ctx context.Context) ([]string, error)
}

// VerifyChain checks entries (one tenant's, in Seq order from 1) and reports
// the first one that is out of sequence, does not link to its predecessor, or
// whose hash does not match its content.
func VerifyChain(tenantID string, entries func(yield func(*AuditEntry) bool)) AuditVerification {
	v := AuditVerification{TenantID: tenantID, OK: true}
	prev := ""
	entries(func(e *AuditEntry) bool {
		v.Entries++
		switch {
		case e.Seq != v.Entries:
			v.OK, v.Problem = false, "sequence number "+strconv.FormatInt(e.Seq, 10)+" where "+strconv.FormatInt(v.Entries, 10)+" was expected (an entry is missing or was inserted)"
		case e.PrevHash != prev:
			v.OK, v.Problem = false, "does not link to the entry before it (an entry was removed, replaced or reordered)"
		case e.ComputeHash() != e.Hash:
			v.OK, v.Problem = false, "its content does not match its hash (the entry was edited)"
		}
		if !v.OK {
			v.FirstBadSeq = e.Seq
			return false
		}
		prev = e.Hash
		return true
	})
	if v.OK {
		v.HeadHash = prev
	}
	return v
}

// AccessStore is what access control needs from a store: users and their
// memberships, sessions, API keys and the audit log.
type AccessStore interface {
	UserService
	SessionService
	APIKeyService
	AuditService
}
