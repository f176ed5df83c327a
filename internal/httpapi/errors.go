package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"smartmaint"
)

// statusByCode maps domain error codes to HTTP statuses.
var statusByCode = map[string]int{
	smartmaint.EINVALID:      http.StatusBadRequest,
	smartmaint.ENOTFOUND:     http.StatusNotFound,
	smartmaint.ECONFLICT:     http.StatusConflict,
	smartmaint.EUNAUTHORIZED: http.StatusUnauthorized,
	smartmaint.EFORBIDDEN:    http.StatusForbidden,
	smartmaint.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	smartmaint.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	smartmaint.ERATELIMITED:  http.StatusTooManyRequests,
	smartmaint.EUNAVAILABLE:  http.StatusServiceUnavailable,
	smartmaint.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the one error shape of the API.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code      string                  `json:"code"`
	Message   string                  `json:"message"`
	Details   []smartmaint.FieldError `json:"details,omitempty"`
	RequestID string                  `json:"request_id,omitempty"`
}

// writeError is the only place that turns an error into an HTTP response, and
// the only place that logs internal errors. Clients see the domain message,
// never driver text or stack traces.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := smartmaint.ErrorCode(err)
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody is left to answer.
		return
	}
	status, ok := statusByCode[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", smartmaint.RequestIDFromContext(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("code", code), slog.Any("err", err))
	}
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, errorBody{Error: errorPayload{
		Code:      code,
		Message:   smartmaint.ErrorMessage(err),
		Details:   smartmaint.ErrorDetails(err),
		RequestID: smartmaint.RequestIDFromContext(r.Context()),
	}})
}
