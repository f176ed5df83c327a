package sim

import (
	"context"

	"smartmaint"
)

// EnsurePlant creates, for the tenant in ctx, the plant's sites, assets and
// sensors that do not exist yet; existing ones are left as they are.
func EnsurePlant(ctx context.Context, store smartmaint.Store, p *Plant) error {
	for _, site := range p.SiteList() {
		if err := store.CreateSite(ctx, site); err != nil && smartmaint.ErrorCode(err) != smartmaint.ECONFLICT {
			return err
		}
	}
	for _, a := range p.AssetList() {
		if err := store.CreateAsset(ctx, a); err != nil && smartmaint.ErrorCode(err) != smartmaint.ECONFLICT {
			return err
		}
	}
	for _, sn := range p.SensorList() {
		if err := store.CreateSensor(ctx, sn); err != nil && smartmaint.ErrorCode(err) != smartmaint.ECONFLICT {
			return err
		}
	}
	return nil
}
