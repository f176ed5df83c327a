package storemetrics

import (
	"context"
	"time"

	"smartmaint"
)

// FindTenantByID implements smartmaint.TenantService.
func (s *Store) FindTenantByID(ctx context.Context, id string) (t *smartmaint.Tenant, err error) {
	defer s.observe("find_tenant", time.Now(), &err)
	return s.next.FindTenantByID(ctx, id)
}

// FindTenants implements smartmaint.TenantService.
func (s *Store) FindTenants(ctx context.Context) (ts []*smartmaint.Tenant, err error) {
	defer s.observe("find_tenants", time.Now(), &err)
	return s.next.FindTenants(ctx)
}

// CreateTenant implements smartmaint.TenantService.
func (s *Store) CreateTenant(ctx context.Context, t *smartmaint.Tenant) (err error) {
	defer s.observe("create_tenant", time.Now(), &err)
	return s.next.CreateTenant(ctx, t)
}

// UpdateTenant implements smartmaint.TenantService.
func (s *Store) UpdateTenant(ctx context.Context, id string, upd smartmaint.TenantUpdate) (t *smartmaint.Tenant, err error) {
	defer s.observe("update_tenant", time.Now(), &err)
	return s.next.UpdateTenant(ctx, id, upd)
}

// FindSiteByID implements smartmaint.SiteService.
func (s *Store) FindSiteByID(ctx context.Context, id string) (site *smartmaint.Site, err error) {
	defer s.observe("find_site", time.Now(), &err)
	return s.next.FindSiteByID(ctx, id)
}

// FindSites implements smartmaint.SiteService.
func (s *Store) FindSites(ctx context.Context, f smartmaint.SiteFilter) (sites []*smartmaint.Site, n int, err error) {
	defer s.observe("find_sites", time.Now(), &err)
	return s.next.FindSites(ctx, f)
}

// CreateSite implements smartmaint.SiteService.
func (s *Store) CreateSite(ctx context.Context, site *smartmaint.Site) (err error) {
	defer s.observe("create_site", time.Now(), &err)
	return s.next.CreateSite(ctx, site)
}

// UpdateSite implements smartmaint.SiteService.
func (s *Store) UpdateSite(ctx context.Context, id string, upd smartmaint.SiteUpdate) (site *smartmaint.Site, err error) {
	defer s.observe("update_site", time.Now(), &err)
	return s.next.UpdateSite(ctx, id, upd)
}

// DeleteSite implements smartmaint.SiteService.
func (s *Store) DeleteSite(ctx context.Context, id string) (err error) {
	defer s.observe("delete_site", time.Now(), &err)
	return s.next.DeleteSite(ctx, id)
}

// FindAssetByID implements smartmaint.AssetService.
func (s *Store) FindAssetByID(ctx context.Context, id string) (a *smartmaint.Asset, err error) {
	defer s.observe("find_asset", time.Now(), &err)
	return s.next.FindAssetByID(ctx, id)
}

// FindAssets implements smartmaint.AssetService.
func (s *Store) FindAssets(ctx context.Context, f smartmaint.AssetFilter) (as []*smartmaint.Asset, n int, err error) {
	defer s.observe("find_assets", time.Now(), &err)
	return s.next.FindAssets(ctx, f)
}

// CreateAsset implements smartmaint.AssetService.
func (s *Store) CreateAsset(ctx context.Context, a *smartmaint.Asset) (err error) {
	defer s.observe("create_asset", time.Now(), &err)
	return s.next.CreateAsset(ctx, a)
}

// UpdateAsset implements smartmaint.AssetService.
func (s *Store) UpdateAsset(ctx context.Context, id string, upd smartmaint.AssetUpdate) (a *smartmaint.Asset, err error) {
	defer s.observe("update_asset", time.Now(), &err)
	return s.next.UpdateAsset(ctx, id, upd)
}

// DeleteAsset implements smartmaint.AssetService.
func (s *Store) DeleteAsset(ctx context.Context, id string) (err error) {
	defer s.observe("delete_asset", time.Now(), &err)
	return s.next.DeleteAsset(ctx, id)
}

// FindSensorByID implements smartmaint.SensorService.
func (s *Store) FindSensorByID(ctx context.Context, id string) (sn *smartmaint.Sensor, err error) {
	defer s.observe("find_sensor", time.Now(), &err)
	return s.next.FindSensorByID(ctx, id)
}

// FindSensors implements smartmaint.SensorService.
func (s *Store) FindSensors(ctx context.Context, f smartmaint.SensorFilter) (sns []*smartmaint.Sensor, n int, err error) {
	defer s.observe("find_sensors", time.Now(), &err)
	return s.next.FindSensors(ctx, f)
}

// CreateSensor implements smartmaint.SensorService.
func (s *Store) CreateSensor(ctx context.Context, sn *smartmaint.Sensor) (err error) {
	defer s.observe("create_sensor", time.Now(), &err)
	return s.next.CreateSensor(ctx, sn)
}

// UpdateSensor implements smartmaint.SensorService.
func (s *Store) UpdateSensor(ctx context.Context, id string, upd smartmaint.SensorUpdate) (sn *smartmaint.Sensor, err error) {
	defer s.observe("update_sensor", time.Now(), &err)
	return s.next.UpdateSensor(ctx, id, upd)
}

// DeleteSensor implements smartmaint.SensorService.
func (s *Store) DeleteSensor(ctx context.Context, id string) (err error) {
	defer s.observe("delete_sensor", time.Now(), &err)
	return s.next.DeleteSensor(ctx, id)
}
