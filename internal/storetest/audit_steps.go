package storetest

import (
	"context"
	"fmt"
	"time"

	"smartmaint"
)

// auditEntitySteps are the tenant, site, asset and sensor methods, with the
// entry each must append. The platform operator creates tenant acme, whose
// chain the rest go to.
func auditEntitySteps(e *accessEnv) []auditStep {
	const acme = "acme"
	s := e.s
	return []auditStep{
		{name: "tenant.create", in: "", chain: "", kind: "user", action: "tenant.create", target: [2]string{"tenant", acme},
			call: func(ctx context.Context) error {
				return s.CreateTenant(ctx, &smartmaint.Tenant{ID: acme, Name: "Acme", RawRetentionDays: 30, RollupRetentionDays: 60})
			},
			summary: wantPath("id", acme, "name", "Acme", "raw_retention_days", 30.0)},
		{name: "tenant.update", in: "", chain: acme, kind: "user", action: "tenant.update", target: [2]string{"tenant", acme},
			call: func(ctx context.Context) error {
				return second(s.UpdateTenant(ctx, acme, smartmaint.TenantUpdate{Name: ptr("Acme Corp")}))
			},
			summary: both(changedOnly("name"), wantPath("changes.name.from", "Acme", "changes.name.to", "Acme Corp"))},
		{name: "site.create", in: acme, chain: acme, kind: "user", action: "site.create", target: [2]string{"site", "s1"},
			call:    func(ctx context.Context) error { return s.CreateSite(ctx, &smartmaint.Site{ID: "s1", Name: "Porto"}) },
			summary: wantPath("id", "s1", "name", "Porto")},
		{name: "site.update", in: acme, chain: acme, kind: "key", action: "site.update", target: [2]string{"site", "s1"},
			call: func(ctx context.Context) error {
				return second(s.UpdateSite(ctx, "s1", smartmaint.SiteUpdate{Timezone: ptr("Europe/Lisbon")}))
			},
			summary: both(changedOnly("timezone"), wantPath("changes.timezone.from", nil, "changes.timezone.to", "Europe/Lisbon"))},
		{name: "asset.create", in: acme, chain: acme, action: "asset.create", target: [2]string{"asset", "a1"},
			call: func(ctx context.Context) error {
				return s.CreateAsset(ctx, &smartmaint.Asset{ID: "a1", SiteID: "s1", Name: "Pump"})
			},
			summary: wantPath("id", "a1", "site_id", "s1", "criticality", 3.0)},
		{name: "asset.update", in: acme, chain: acme, kind: "user", action: "asset.update", target: [2]string{"asset", "a1"},
			call: func(ctx context.Context) error {
				return second(s.UpdateAsset(ctx, "a1", smartmaint.AssetUpdate{Criticality: ptr(5)}))
			},
			summary: both(changedOnly("criticality"), wantPath("changes.criticality.from", 3.0, "changes.criticality.to", 5.0))},
		{name: "sensor.create", in: acme, chain: acme, kind: "user", action: "sensor.create", target: [2]string{"sensor", "t1"},
			call: func(ctx context.Context) error {
				return s.CreateSensor(ctx, &smartmaint.Sensor{ID: "t1", AssetID: "a1", Type: "temperature", Unit: "°C"})
			},
			summary: wantPath("sensor_id", "t1", "sensor_type", "temperature", "asset_id", "a1")},
		{name: "sensor.update", in: acme, chain: acme, kind: "user", action: "sensor.update", target: [2]string{"sensor", "t1"},
			call: func(ctx context.Context) error {
				meta := map[string]any{"serial": "X-1"}
				return second(s.UpdateSensor(ctx, "t1", smartmaint.SensorUpdate{Unit: ptr("K"), Metadata: &meta}))
			},
			summary: both(changedOnly("unit", "metadata"),
				wantPath("changes.unit.from", "°C", "changes.unit.to", "K", "changes.metadata.from", nil, "changes.metadata.to.serial", "X-1"))},
		{name: "sensor.register", in: acme, chain: acme, kind: "key", action: "sensor.register", target: [2]string{"sensor", "new-vib"},
			call: func(ctx context.Context) error {
				return writeCheck(s, ctx, []smartmaint.Reading{reading("t1", at(-time.Minute), 20),
					{SensorID: "new-vib", Time: at(-time.Minute), Value: 1, Quality: 1, SensorType: "vibration", Unit: "mm/s"}}, 1)
			},
			summary: wantPath("sensor_id", "new-vib", "sensor_type", "vibration", "unit", "mm/s", "status", "active")},
		{name: "readings of known sensors", in: acme, kind: "key",
			call: func(ctx context.Context) error {
				return writeCheck(s, ctx, []smartmaint.Reading{reading("t1", at(-30*time.Second), 21), reading("new-vib", at(-30*time.Second), 2)}, 0)
			}},
		{name: "sensor.delete", in: acme, chain: acme, kind: "user", action: "sensor.delete", target: [2]string{"sensor", "new-vib"},
			call:    func(ctx context.Context) error { return s.DeleteSensor(ctx, "new-vib") },
			summary: wantPath("id", "new-vib", "name", "")},
		{name: "asset.delete", in: acme, chain: acme, kind: "user", action: "asset.delete", target: [2]string{"asset", "a1"},
			call:    func(ctx context.Context) error { return s.DeleteAsset(ctx, "a1") },
			summary: wantPath("id", "a1", "name", "Pump")},
		{name: "site.delete", in: acme, chain: acme, kind: "user", action: "site.delete", target: [2]string{"site", "s1"},
			call:    func(ctx context.Context) error { return s.DeleteSite(ctx, "s1") },
			summary: wantPath("id", "s1", "name", "Porto")},
	}
}

// writeCheck writes rs and fails unless exactly newSensors were registered.
func writeCheck(s smartmaint.Store, ctx context.Context, rs []smartmaint.Reading, newSensors int) error {
	res, err := s.WriteReadings(ctx, rs, smartmaint.WriteOptions{})
	if err == nil && len(res.NewSensors) != newSensors {
		err = fmt.Errorf("WriteReadings registered %v, want %d sensors", res.NewSensors, newSensors)
	}
	return err
}

// auditAccessSteps are the user, membership and API key methods, in the
// default tenant or without a tenant.
func auditAccessSteps(e *accessEnv) []auditStep {
	const def = smartmaint.DefaultTenantID
	a := e.a
	return []auditStep{
		{name: "user.create", in: def, chain: def, kind: "user", action: "user.create", target: [2]string{"user", "user-ana"},
			call: func(ctx context.Context) error {
				return a.CreateUser(ctx, &smartmaint.User{ID: "user-ana", Email: "Ana@Example.com", Name: "Ana", PasswordHash: testHash}, smartmaint.RoleEngineer)
			},
			summary: wantPath("id", "user-ana", "email", "ana@example.com", "role", smartmaint.RoleEngineer)},
		{name: "user.create platform", in: "", chain: "", kind: "user", action: "user.create", target: [2]string{"user", "user-bob"},
			call: func(ctx context.Context) error {
				return a.CreateUser(ctx, &smartmaint.User{ID: "user-bob", Email: "bob@example.com", Name: "Bob", PasswordHash: testHash}, "")
			},
			summary: wantPath("id", "user-bob", "role", nil)},
		{name: "user.update", in: def, chain: def, kind: "user", action: "user.update", target: [2]string{"user", "user-ana"},
			call: func(ctx context.Context) error {
				return second(a.UpdateUser(ctx, "user-ana", smartmaint.UserUpdate{Name: ptr("Ana Silva"), PasswordHash: ptr(testHash + "new")}))
			},
			summary: both(changedOnly("name"), wantPath("changes.name.to", "Ana Silva", "password_changed", true))},
		{name: "user.update platform", in: "", chain: "", action: "user.update", target: [2]string{"user", "user-bob"},
			call: func(ctx context.Context) error {
				return second(a.UpdateUser(ctx, "user-bob", smartmaint.UserUpdate{Disabled: ptr(true)}))
			},
			summary: both(changedOnly("disabled"), wantPath("changes.disabled.to", true, "password_changed", nil))},
		{name: "membership.set", in: def, chain: def, kind: "user", action: "membership.set", target: [2]string{"membership", "user-bob"},
			call: func(ctx context.Context) error {
				return second(a.SetMembership(ctx, "user-bob", smartmaint.RoleViewer))
			},
			summary: wantPath("user_id", "user-bob", "tenant_id", def, "role", smartmaint.RoleViewer)},
		{name: "membership.set change", in: def, chain: def, kind: "user", action: "membership.set", target: [2]string{"membership", "user-bob"},
			call:    func(ctx context.Context) error { return second(a.SetMembership(ctx, "user-bob", smartmaint.RoleAdmin)) },
			summary: both(changedOnly("role"), wantPath("changes.role.from", smartmaint.RoleViewer, "changes.role.to", smartmaint.RoleAdmin))},
		{name: "membership.delete", in: def, chain: def, kind: "user", action: "membership.delete", target: [2]string{"membership", "user-bob"},
			call:    func(ctx context.Context) error { return a.DeleteMembership(ctx, "user-bob") },
			summary: wantPath("user_id", "user-bob", "email", "bob@example.com", "role", smartmaint.RoleAdmin)},
		{name: "apikey.create", in: def, chain: def, kind: "user", action: "apikey.create", target: [2]string{"api_key", "key-1"},
			call: func(ctx context.Context) error {
				return a.CreateAPIKey(ctx, &smartmaint.APIKey{ID: "key-1", Name: "gateway", Prefix: "smk_1", Hash: "key-hash-secret",
					Scopes: []string{smartmaint.PermDataIngest}, CreatedBy: "user-7"})
			},
			summary: wantPath("id", "key-1", "name", "gateway", "prefix", "smk_1", "created_by", "user-7")},
		{name: "apikey.revoke", in: def, chain: def, kind: "user", action: "apikey.revoke", target: [2]string{"api_key", "key-1"},
			call:    func(ctx context.Context) error { return second(a.RevokeAPIKey(ctx, "key-1", at(time.Hour))) },
			summary: changedOnly("revoked_at")},
	}
}

// auditSilentSteps are calls that must append nothing: the methods the
// caller audits, a second revocation, and refused changes.
func auditSilentSteps(e *accessEnv) []auditStep {
	const def = smartmaint.DefaultTenantID
	a, s := e.a, e.s
	return []auditStep{
		{name: "revoke again", in: def, kind: "user",
			call: func(ctx context.Context) error { return second(a.RevokeAPIKey(ctx, "key-1", at(2*time.Hour))) }},
		{name: "touch key", in: def, kind: "key",
			call: func(ctx context.Context) error { return a.TouchAPIKey(ctx, "key-1", at(time.Hour)) }},
		{name: "sessions", in: def, kind: "user", call: func(ctx context.Context) error {
			x := session("user-ana", "silent-hash", Epoch)
			return firstErr(a.CreateSession(ctx, x), a.TouchSession(ctx, x.ID, at(time.Minute)),
				a.RevokeSession(ctx, "user-ana", x.ID, at(time.Minute)), a.RevokeUserSessions(ctx, "user-ana", at(time.Minute)))
		}},
		{name: "sign-in bookkeeping", in: "", kind: "user", call: func(ctx context.Context) error {
			_, _, err := a.RecordLoginFailure(ctx, "user-ana", func(int) *time.Time { return nil })
			return firstErr(err, a.RecordLoginSuccess(ctx, "user-ana", at(time.Minute)))
		}},
		{name: "refused changes", in: def, kind: "user", call: func(ctx context.Context) error {
			return firstErr(
				wantErr(smartmaint.ECONFLICT, a.CreateUser(ctx, &smartmaint.User{Email: "ana@example.com", Name: "x", PasswordHash: testHash}, "")),
				wantErr(smartmaint.EINVALID, a.CreateUser(ctx, &smartmaint.User{Email: "new@example.com", Name: "x", PasswordHash: testHash}, "root")),
				wantErr(smartmaint.ENOTFOUND, a.DeleteMembership(ctx, "user-bob")),
				wantErr(smartmaint.EINVALID, second(a.SetMembership(ctx, "user-ana", "root"))),
				wantErr(smartmaint.ENOTFOUND, second(a.RevokeAPIKey(ctx, "nope", Epoch))),
				wantErr(smartmaint.EINVALID, a.CreateAPIKey(ctx, &smartmaint.APIKey{Name: "x", Hash: "h", Scopes: []string{"root"}})),
				wantErr(smartmaint.ECONFLICT, s.CreateTenant(ctx, &smartmaint.Tenant{ID: "acme", Name: "Again"})),
				wantErr(smartmaint.ENOTFOUND, second(s.UpdateTenant(ctx, "nobody", smartmaint.TenantUpdate{Name: ptr("x")}))),
				wantErr(smartmaint.EINVALID, s.CreateSite(ctx, &smartmaint.Site{ID: "bad id"})),
				wantErr(smartmaint.ENOTFOUND, second(s.UpdateSite(ctx, "nope", smartmaint.SiteUpdate{Name: ptr("x")}))),
				wantErr(smartmaint.ENOTFOUND, s.DeleteAsset(ctx, "nope")),
				wantErr(smartmaint.EINVALID, s.CreateSensor(ctx, &smartmaint.Sensor{ID: "x", Type: "general", AssetID: "ghost"})),
				wantErr(smartmaint.ENOTFOUND, s.DeleteSensor(ctx, "nope")),
			)
		}},
	}
}

// wantErr returns nil when err has the code want, an error otherwise.
func wantErr(want string, err error) error {
	if got := smartmaint.ErrorCode(err); got != want {
		return fmt.Errorf("error %v (code %q), want code %q", err, got, want)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
