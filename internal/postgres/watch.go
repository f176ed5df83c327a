package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// apiKeyChannel is the notification channel on which RevokeAPIKey announces
// a revocation, in the revoking transaction.
const apiKeyChannel = "smartmaint_api_keys"

// WatchAPIKeys calls changed whenever any process using this database
// revokes an API key, within milliseconds of the commit, until the store is
// closed. It listens on a connection of its own; when that connection is
// lost it calls changed (a revocation may have been missed) and listens
// again. Servers that cache verified keys use it so that a revocation on one
// replica reaches the others at once rather than when their cache expires.
func (db *DB) WatchAPIKeys(changed func()) {
	db.wg.Add(1)
	go func() {
		defer db.wg.Done()
		ctx := db.jobCtx
		for ctx.Err() == nil {
			err := db.listen(ctx, changed)
			if ctx.Err() != nil {
				return
			}
			db.log.Warn("postgres: listening for API key revocations failed; retrying", "err", err)
			changed()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
}

// listen holds one LISTEN session and calls changed per notification.
func (db *DB) listen(ctx context.Context, changed func()) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+apiKeyChannel); err != nil {
		return err
	}
	changed() // revocations before LISTEN took effect
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		changed()
	}
}
