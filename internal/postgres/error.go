package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"smartmaint"
)

// PostgreSQL error codes the store acts on (Appendix A of the manual).
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeCheckViolation       = "23514"
	codeInvalidText          = "22P02"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeCannotConnectNow     = "57P03"
	codeAdminShutdown        = "57P01"
	codeTooManyConnections   = "53300"
)

// pgCode returns the SQLSTATE of the first *pgconn.PgError in err's chain.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// pgConstraint returns the constraint named by the first *pgconn.PgError.
func pgConstraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

func isRetryable(err error) bool {
	c := pgCode(err)
	return c == codeDeadlockDetected || c == codeSerializationFailure
}

// isUnavailable reports whether err means the server cannot be reached.
func isUnavailable(err error) bool {
	if err == nil {
		return false
	}
	switch pgCode(err) {
	case codeCannotConnectNow, codeAdminShutdown, codeTooManyConnections:
		return true
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, puddle.ErrClosedPool) || // the store was closed under the caller
		errors.Is(err, context.DeadlineExceeded) && pgconn.Timeout(err)
}

// unavailable turns a connection failure into EUNAVAILABLE, keeping the
// driver error in the chain for logs but not in the message.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return &wrapped{domain: smartmaint.Errorf(smartmaint.EUNAVAILABLE, "The database is unavailable."), cause: err}
}

// wrapped carries a domain error for errors.As and the driver error for logs.
type wrapped struct {
	domain *smartmaint.Error
	cause  error
}

func (w *wrapped) Error() string { return w.domain.Error() + ": " + w.cause.Error() }

func (w *wrapped) Unwrap() []error { return []error{w.domain, w.cause} }

// wrap adds context to a driver error; connection failures become
// EUNAVAILABLE, everything else stays internal (generic message).
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *smartmaint.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if isUnavailable(err) {
		return fmt.Errorf("postgres: %s: %w", op, unavailable(err))
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// notFound reports a missing object of the tenant.
func notFound(kind, id string) error {
	return smartmaint.Errorf(smartmaint.ENOTFOUND, "%s %q not found.", kind, id)
}

// noRows reports whether err is pgx.ErrNoRows.
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
