package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"smartmaint"
	"smartmaint/internal/auth"
)

// adminEnv is what an admin command works on: the store of --db, as the
// system principal (the operator at the console).
type adminEnv struct {
	m      *Main
	store  smartmaint.Store
	access smartmaint.AccessStore
	auth   *auth.Authenticator
}

type adminCommand struct {
	summary string
	flags   func(fs *flag.FlagSet) func(env *adminEnv, ctx context.Context) error
}

var adminCommands = map[string]adminCommand{
	"create-tenant":  {"create a tenant", adminCreateTenant},
	"create-user":    {"create an account, or give an existing one a role in a tenant", adminCreateUser},
	"reset-password": {"set a new password, end the account's sessions and lift a lock", adminResetPassword},
	"list-users":     {"list a tenant's members", adminListUsers},
	"create-key":     {"create an API key and print its secret (shown once)", adminCreateKey},
	"list-keys":      {"list a tenant's API keys", adminListKeys},
	"revoke-key":     {"revoke an API key", adminRevokeKey},
	"verify-audit":   {"recompute the audit hash chains; exit status 1 if one is broken", adminVerifyAudit},
}

func (m *Main) runAdmin(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		names := make([]string, 0, len(adminCommands))
		for n := range adminCommands {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(m.Stdout, "Usage: smartmaint admin <command> --db … [flags]\n\nCommands:")
		for _, n := range names {
			fmt.Fprintf(m.Stdout, "  %-15s %s\n", n, adminCommands[n].summary)
		}
		return nil
	}
	c, ok := adminCommands[args[0]]
	if !ok {
		return fmt.Errorf("admin: unknown command %q: run `smartmaint admin help`", args[0])
	}
	fs := m.flagSet("admin " + args[0])
	db := fs.String("db", envOr(m.Getenv, "SMARTMAINT_DB", DefaultConfig().DB), "store: sqlite:PATH or postgres://… (env SMARTMAINT_DB)")
	run := c.flags(fs)
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		return errHelp
	} else if err != nil {
		return err
	}
	cfg := DefaultConfig()
	cfg.DB, cfg.LogLevel = *db, "warn"
	if err := cfg.Validate(); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, m.newLogger(cfg))
	if err != nil {
		return err
	}
	defer store.Close()
	env := &adminEnv{m: m, store: store, access: store, auth: &auth.Authenticator{Store: store, Tenants: store}}
	return run(env, ctx)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// as returns ctx acting as the console operator in tenant, with every
// permission (the admin commands are for whoever holds the database).
func as(ctx context.Context, tenant string) context.Context {
	perms := append(smartmaint.TenantPermissions(), smartmaint.PermPlatformTenants)
	return smartmaint.NewContextWithPrincipal(ctx, &smartmaint.Principal{Kind: "system", ID: "console", TenantID: tenant, Permissions: perms})
}

// readPassword reads one line from stdin when asked to, or generates a
// password and says so.
func (env *adminEnv) readPassword(fromStdin bool) (string, bool, error) {
	if !fromStdin {
		return strings.TrimRight(auth.NewCSRFToken()[:24], "-_"), true, nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

func adminCreateTenant(fs *flag.FlagSet) func(*adminEnv, context.Context) error {
	id := fs.String("id", "", "tenant ID (letters, digits, . _ - : / @)")
	name := fs.String("name", "", "tenant name")
	raw := fs.Int("raw-retention-days", smartmaint.DefaultRawRetentionDays, "days raw readings are kept")
	rollup := fs.Int("rollup-retention-days", smartmaint.DefaultRollupRetentionDays, "days rollups are kept")
	return func(env *adminEnv, ctx context.Context) error {
		t := &smartmaint.Tenant{ID: *id, Name: *name, RawRetentionDays: *raw, RollupRetentionDays: *rollup}
		if err := env.store.CreateTenant(as(ctx, ""), t); err != nil {
			return err
		}
		fmt.Fprintf(env.m.Stdout, "tenant %s (%s) created\n", t.ID, t.Name)
		return nil
	}
}

func adminCreateUser(fs *flag.FlagSet) func(*adminEnv, context.Context) error {
	email := fs.String("email", "", "the account's email")
	name := fs.String("name", "", "the person's name")
	role := fs.String("role", smartmaint.RoleAdmin, "role in the tenant: viewer, technician, engineer or admin")
	tenant := fs.String("tenant", smartmaint.DefaultTenantID, "tenant to give the role in")
	operator := fs.Bool("operator", false, "also make the account a platform operator (may create tenants)")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input instead of generating one")
	return func(env *adminEnv, ctx context.Context) error {
		pw, generated, err := env.readPassword(*stdin)
		if err != nil {
			return err
		}
		ctx = as(ctx, *tenant)
		u, err := env.auth.CreateUser(ctx, *email, *name, pw, *role)
		if err != nil {
			return err
		}
		if *operator {
			yes := true
			if u, err = env.access.UpdateUser(ctx, u.ID, smartmaint.UserUpdate{PlatformOperator: &yes}); err != nil {
				return err
			}
		}
		fmt.Fprintf(env.m.Stdout, "user %s (%s) is %s of tenant %s", u.Email, u.ID, *role, *tenant)
		if u.PlatformOperator {
			fmt.Fprint(env.m.Stdout, ", and a platform operator")
		}
		fmt.Fprintln(env.m.Stdout)
		if generated {
			fmt.Fprintf(env.m.Stdout, "password: %s   (shown once; change it after signing in)\n", pw)
		}
		return nil
	}
}

func adminResetPassword(fs *flag.FlagSet) func(*adminEnv, context.Context) error {
	email := fs.String("email", "", "the account's email")
	stdin := fs.Bool("password-stdin", false, "read the new password from standard input instead of generating one")
	return func(env *adminEnv, ctx context.Context) error {
		u, err := env.access.FindUserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		pw, generated, err := env.readPassword(*stdin)
		if err != nil {
			return err
		}
		if err := auth.ValidatePassword(pw, u.Email); err != nil {
			return err
		}
		hash, err := auth.NewHasher(auth.DefaultParams(), 1).Hash(pw)
		if err != nil {
			return err
		}
		ctx = as(ctx, "")
		if _, err := env.access.UpdateUser(ctx, u.ID, smartmaint.UserUpdate{PasswordHash: &hash}); err != nil {
			return err
		}
		if err := env.access.RevokeUserSessions(ctx, u.ID, time.Now()); err != nil {
			return err
		}
		if err := env.access.RecordLoginSuccess(ctx, u.ID, time.Now()); err != nil { // lifts a lock
			return err
		}
		fmt.Fprintf(env.m.Stdout, "password of %s replaced; its sessions are ended\n", u.Email)
		if generated {
			fmt.Fprintf(env.m.Stdout, "password: %s   (shown once)\n", pw)
		}
		return nil
	}
}

func adminListUsers(fs *flag.FlagSet) func(*adminEnv, context.Context) error {
	tenant := fs.String("tenant", smartmaint.DefaultTenantID, "tenant whose members to list")
	return func(env *adminEnv, ctx context.Context) error {
		ms, err := env.access.FindMembers(as(ctx, *tenant))
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tOPERATOR\tDISABLED")
		for _, m := range ms {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%v\n", m.User.ID, m.User.Email, m.User.Name, m.Role, m.User.PlatformOperator, m.User.Disabled)
		}
		return tw.Flush()
	}
}

func adminCreateKey(fs *flag.FlagSet) func(*adminEnv, context.Context) error {
	tenant := fs.String("tenant", smartmaint.DefaultTenantID, "tenant the key acts in")
	name := fs.String("name", "", "what the key is for, e.g. \"line 3 gateway\"")
	scopes := fs.String("scopes", strings.Join(smartmaint.TenantPermissions(), ","), "comma-separated permissions")
	expires := fs.Duration("expires", 0, "lifetime, e.g. 720h; 0 never expires")
	return func(env *adminEnv, ctx context.Context) error {
		var at *time.Time
		if *expires > 0 {
			t := time.Now().Add(*expires)
			at = &t
		}
		secret, k, err := env.auth.CreateAPIKey(as(ctx, *tenant), *name, splitList(*scopes), at)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.m.Stdout, "key %s (%s) of tenant %s, scopes %s\nsecret: %s   (shown once)\n",
			k.ID, k.Prefix, k.TenantID, strings.Join(k.Scopes, ","), secret)
		return nil
	}
}

func adminListKeys(fs *flag.FlagSet) func(*adminEnv, context.Context) error {
	tenant := fs.String("tenant", smartmaint.DefaultTenantID, "tenant whose keys to list")
	return func(env *adminEnv, ctx context.Context) error {
		ks, err := env.access.FindAPIKeys(as(ctx, *tenant))
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tSCOPES\tEXPIRES\tLAST USED\tREVOKED")
		for _, k := range ks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, strings.Join(k.Scopes, ","), fmtTime(k.ExpiresAt), fmtTime(k.LastUsedAt), fmtTime(k.RevokedAt))
		}
		return tw.Flush()
	}
}

func adminRevokeKey(fs *flag.FlagSet) func(*adminEnv, context.Context) error {
	tenant := fs.String("tenant", smartmaint.DefaultTenantID, "tenant of the key")
	id := fs.String("id", "", "key ID")
	return func(env *adminEnv, ctx context.Context) error {
		k, err := env.access.RevokeAPIKey(as(ctx, *tenant), *id, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(env.m.Stdout, "key %s (%s) revoked\n", k.ID, k.Prefix)
		return nil
	}
}

func adminVerifyAudit(fs *flag.FlagSet) func(*adminEnv, context.Context) error {
	tenant := fs.String("tenant", "", "verify only this tenant's chain (default: every chain, the platform's included)")
	return func(env *adminEnv, ctx context.Context) error {
		chains := []string{*tenant}
		if *tenant == "" {
			all, err := env.access.AuditTenants(ctx)
			if err != nil {
				return err
			}
			chains = all
		}
		broken := 0
		for _, t := range chains {
			v, err := env.access.VerifyAudit(ctx, t)
			if err != nil {
				return err
			}
			name := t
			if name == "" {
				name = "(platform)"
			}
			if v.OK {
				fmt.Fprintf(env.m.Stdout, "%-20s ok      %d entries, head %s\n", name, v.Entries, v.HeadHash)
				continue
			}
			broken++
			fmt.Fprintf(env.m.Stdout, "%-20s BROKEN  at entry %d: %s\n", name, v.FirstBadSeq, v.Problem)
		}
		if broken > 0 {
			return fmt.Errorf("verify-audit: %d of %d audit chains are broken", broken, len(chains))
		}
		return nil
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
