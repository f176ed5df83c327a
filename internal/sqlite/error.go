package sqlite

import (
	"context"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"smartmaint"
)

// classify turns a driver error into the error a store method returns: a
// domain *smartmaint.Error for the conditions a caller can act on, chosen by
// SQLite's (extended) result code and never by message text, with a message
// of our own so that driver text never reaches a client; context errors as
// they are; anything else wrapped, which surfaces as EINTERNAL.
func classify(err error) error {
	var se *sqlite.Error
	var de *smartmaint.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case !errors.As(err, &se):
		return fmt.Errorf("sqlite: %w", err)
	}
	switch code := se.Code(); code {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return smartmaint.Errorf(smartmaint.ECONFLICT, "The object already exists.")
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return smartmaint.Errorf(smartmaint.EINVALID, "The object refers to an object that does not exist.")
	default:
		switch code & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB,
			sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PERM, sqlite3.SQLITE_PROTOCOL:
			return unavailable(err)
		}
	}
	return fmt.Errorf("sqlite: %w", err)
}

// unavailable reports that the database cannot be used.
func unavailable(error) error {
	return smartmaint.Errorf(smartmaint.EUNAVAILABLE, "The database is unavailable.")
}

// isConstraint reports whether err is a violation of a primary key or
// unique constraint.
func isConstraint(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

func notFound(kind, id string) error {
	return smartmaint.Errorf(smartmaint.ENOTFOUND, "%s %q not found.", kind, id)
}

func conflict(kind, id string) error {
	return smartmaint.Errorf(smartmaint.ECONFLICT, "%s %q already exists.", kind, id)
}
