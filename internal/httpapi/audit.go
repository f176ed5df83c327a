package httpapi

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"smartmaint"
)

// auditFilter reads the audit query parameters.
func auditFilter(q *query) smartmaint.AuditFilter {
	f := smartmaint.AuditFilter{
		Action: q.str("action"), ActorID: q.str("actor_id"), TargetType: q.str("target_type"), TargetID: q.str("target_id"),
		From: q.time("from"), To: q.time("to"),
	}
	f.Limit, f.Offset = pageParams(q)
	return f
}

// listAudit lists the tenant's audit entries newest first, or, with
// format=csv, streams every matching entry oldest first as CSV.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := auditFilter(q)
	format := q.str("format")
	if format != "" && format != "json" && format != "csv" {
		q.fail("format", "must be json or csv, got %q", format)
	}
	if err := q.done(); err != nil {
		return err
	}
	if format == "csv" {
		return s.exportAudit(w, r, f)
	}
	entries, total, err := s.store.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	return ok(w, page[*smartmaint.AuditEntry]{Items: nonNil(entries), Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request, f smartmaint.AuditFilter) error {
	if err := s.store.Ping(r.Context()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+s.cfg.Now().UTC().Format("20060102T150405Z")+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"tenant_id", "seq", "time", "actor_kind", "actor_id", "action", "target_type", "target_id", "request_id", "client_ip", "summary", "prev_hash", "hash"})
	err := s.store.ExportAudit(r.Context(), f, func(e *smartmaint.AuditEntry) error {
		return cw.Write([]string{e.TenantID, strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(time.RFC3339Nano), e.ActorKind, e.ActorID,
			e.Action, e.TargetType, e.TargetID, e.RequestID, e.ClientIP, string(e.Summary), e.PrevHash, e.Hash})
	})
	cw.Flush()
	if err != nil && r.Context().Err() == nil {
		s.logger.Error("audit export failed", "request_id", smartmaint.RequestIDFromContext(r.Context()), "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// verifyAudit recomputes the tenant's hash chain.
func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	v, err := s.store.VerifyAudit(r.Context(), smartmaint.TenantFromContext(r.Context()))
	if err != nil {
		return err
	}
	return ok(w, v)
}
