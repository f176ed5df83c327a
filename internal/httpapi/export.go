package httpapi

import (
	"context"
	"net/http"

	"smartmaint"
	"smartmaint/internal/export"
)

// exportReadings streams any range of readings, oldest first, without holding
// it in memory, in a format POST /api/v1/data/batch accepts back.
func (s *Server) exportReadings(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	format := q.str("format")
	if format == "" {
		format = export.CSV
	}
	if err := export.ValidateFormat(format); err != nil {
		q.fail("format", "must be csv or ndjson, got %q", format)
	}
	f := smartmaint.ReadingFilter{Start: q.time("start_ts"), End: q.time("end_ts"), Ascending: true}
	if id := q.str("sensor_id"); id != "" {
		f.SensorIDs = []string{id}
	}
	if err := q.done(); err != nil {
		return err
	}
	// Fail before the first byte when the store is unreachable.
	if err := s.store.Ping(r.Context()); err != nil {
		return err
	}
	s.streamExport(r.Context(), w, f, format)
	return nil
}

func (s *Server) streamExport(ctx context.Context, w http.ResponseWriter, f smartmaint.ReadingFilter, format string) {
	name := "readings-" + s.cfg.Now().UTC().Format("20060102T150405Z") + "." + format
	w.Header().Set("Content-Type", export.ContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	rc := http.NewResponseController(w)
	n, err := export.Write(ctx, w, s.store, f, format, func() { _ = rc.Flush() })
	if err != nil && ctx.Err() == nil {
		// The status line is gone: abort the connection so the client sees a
		// truncated transfer rather than a file that looks complete.
		s.logger.Error("export failed", "request_id", smartmaint.RequestIDFromContext(ctx), "rows", n, "err", err)
		panic(http.ErrAbortHandler)
	}
}
