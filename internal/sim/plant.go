package sim

import (
	"fmt"
	"math"
	"time"

	"smartmaint"
)

// Plant is the simulated plant: sites, and assets with their sensors and the
// physical parameters that drive them. Its Site, Asset and Sensor values are
// ready to be created through the store.
type Plant struct {
	Sites  []SiteModel
	Assets []*AssetModel

	// Location is the time zone of the shift pattern and the daily cycles;
	// nil means UTC.
	Location *time.Location
}

// SiteModel is a site and its climate.
type SiteModel struct {
	Site smartmaint.Site

	MeanTemp     float64 // °C, daily mean of the ambient temperature
	DailySwing   float64 // °C, amplitude of the daily cycle (warmest at 15:00)
	MeanHumidity float64 // %RH at the mean temperature
}

// AssetModel is an asset, its sensors and its physical profile.
type AssetModel struct {
	Asset   smartmaint.Asset
	Profile Profile
	Sensors []SensorModel
}

// Channel names the physical quantity a sensor measures on its asset.
type Channel string

// Channels of an asset. Temperature is the machine's own temperature (bearing,
// winding, oil or discharge, by the asset); the ambient channels come from the
// asset's site.
const (
	ChannelTemperature        Channel = "temperature"
	ChannelVibration          Channel = "vibration"
	ChannelPressure           Channel = "pressure"
	ChannelCurrent            Channel = "current"
	ChannelSpeed              Channel = "speed"
	ChannelVoltage            Channel = "voltage"
	ChannelAmbientTemperature Channel = "ambient_temperature"
	ChannelHumidity           Channel = "humidity"
)

// channels lists every channel with the sensor type it is reported as.
var channels = map[Channel]string{
	ChannelTemperature:        smartmaint.SensorTypeTemperature,
	ChannelVibration:          smartmaint.SensorTypeVibration,
	ChannelPressure:           smartmaint.SensorTypePressure,
	ChannelCurrent:            smartmaint.SensorTypeCurrent,
	ChannelSpeed:              smartmaint.SensorTypeRPM,
	ChannelVoltage:            smartmaint.SensorTypeVoltage,
	ChannelAmbientTemperature: smartmaint.SensorTypeTemperature,
	ChannelHumidity:           smartmaint.SensorTypeHumidity,
}

// SensorModel is a sensor, the channel it measures and its measurement error.
type SensorModel struct {
	Sensor  smartmaint.Sensor
	Channel Channel

	// Noise is the standard deviation of the additive Gaussian measurement
	// noise, in the sensor's unit.
	Noise float64
	// Resolution is the step values are rounded to (0: full precision).
	Resolution float64
}

// Profile holds the physical parameters of an asset. The asset's load (0–1.1)
// drives everything else; see the package documentation of each field.
type Profile struct {
	// Load process.
	LoadScale     float64 // multiplies the plant's shift pattern (1: follows it)
	LoadMin       float64 // the load never falls below this while running
	LoadMax       float64 // … nor rises above this
	AmbientDriven float64 // 0–1: share of the load that follows ambient temperature (cooling fans)
	StepEvery     time.Duration
	LoadTau       time.Duration // how fast the load follows its target

	// Speed: IdleRPM at zero load, RatedRPM at full load (a fixed-speed motor
	// slows slightly with slip; a drive on a frequency converter spans a range).
	IdleRPM, RatedRPM float64
	SpinDown          time.Duration // time constant of run-up and coast-down

	// Current: NoLoadCurrent + (RatedCurrent-NoLoadCurrent)·load^CurrentExponent.
	NoLoadCurrent, RatedCurrent float64
	CurrentExponent             float64
	NominalVoltage              float64 // V at the terminals; sags 1.2 % at full load

	// Temperature: ambient + TempRise·(0.25 + 0.75·load²) at steady state,
	// reached as a first-order lag with time constant ThermalTau.
	TempRise   float64
	ThermalTau time.Duration

	// Vibration velocity RMS (mm/s) of the healthy machine at rated speed
	// and full load.
	BaseVibration float64

	// Pressure. A centrifugal pump delivers ShutoffPressure·(speed/rated)²
	// less PressureDrop·load² (head falls with flow). A compressor
	// (Cycling) loads until CutOutPressure, unloads until CutInPressure, and
	// fills at FillRate bar/min less the air demand (its load).
	ShutoffPressure, PressureDrop float64
	Cycling                       bool
	CutInPressure, CutOutPressure float64
	FillRate                      float64
}

// Validate reports whether the plant can be simulated: every site, asset and
// sensor valid, IDs unique, each asset on one of the plant's sites (or on
// none: a default climate), each sensor on its asset with a known channel and
// a whole, positive sampling interval.
func (p *Plant) Validate() error {
	if p == nil || len(p.Assets) == 0 {
		return smartmaint.FieldErrorf("assets", "the plant has no assets")
	}
	sites := map[string]bool{}
	for i := range p.Sites {
		if err := p.Sites[i].Site.Validate(); err != nil {
			return fmt.Errorf("site %q: %w", p.Sites[i].Site.ID, err)
		}
		sites[p.Sites[i].Site.ID] = true
	}
	ids := map[string]bool{}
	for _, a := range p.Assets {
		if err := a.validate(sites, ids); err != nil {
			return err
		}
	}
	return nil
}

func (a *AssetModel) validate(sites, ids map[string]bool) error {
	if err := a.Asset.Validate(); err != nil {
		return fmt.Errorf("asset %q: %w", a.Asset.ID, err)
	}
	if a.Asset.SiteID != "" && !sites[a.Asset.SiteID] {
		return smartmaint.FieldErrorf("site_id", "asset %q names site %q, which the plant does not have", a.Asset.ID, a.Asset.SiteID)
	}
	if ids["asset/"+a.Asset.ID] {
		return smartmaint.FieldErrorf("id", "asset %q appears twice", a.Asset.ID)
	}
	ids["asset/"+a.Asset.ID] = true
	if len(a.Sensors) == 0 {
		return smartmaint.FieldErrorf("sensors", "asset %q has no sensors", a.Asset.ID)
	}
	for i := range a.Sensors {
		s := &a.Sensors[i]
		if err := s.validate(a.Asset.ID); err != nil {
			return err
		}
		if ids["sensor/"+s.Sensor.ID] {
			return smartmaint.FieldErrorf("sensor_id", "sensor %q appears twice", s.Sensor.ID)
		}
		ids["sensor/"+s.Sensor.ID] = true
	}
	return nil
}

func (s *SensorModel) validate(assetID string) error {
	if err := s.Sensor.Validate(); err != nil {
		return fmt.Errorf("sensor %q: %w", s.Sensor.ID, err)
	}
	if s.Sensor.AssetID != assetID {
		return smartmaint.FieldErrorf("asset_id", "sensor %q belongs to %q, not to asset %q", s.Sensor.ID, s.Sensor.AssetID, assetID)
	}
	if _, ok := channels[s.Channel]; !ok {
		return smartmaint.FieldErrorf("channel", "sensor %q has unknown channel %q", s.Sensor.ID, s.Channel)
	}
	iv := s.Sensor.SamplingInterval
	if iv < 1 || iv != math.Trunc(iv) {
		return smartmaint.FieldErrorf("sampling_interval_seconds", "sensor %q: must be a whole number of seconds ≥ 1, got %v", s.Sensor.ID, iv)
	}
	if s.Noise < 0 || math.IsNaN(s.Noise) || math.IsInf(s.Noise, 0) {
		return smartmaint.FieldErrorf("noise", "sensor %q: must be a finite number ≥ 0", s.Sensor.ID)
	}
	return nil
}

// Asset returns the model of the asset with the given ID.
func (p *Plant) Asset(id string) (*AssetModel, bool) {
	for _, a := range p.Assets {
		if a.Asset.ID == id {
			return a, true
		}
	}
	return nil, false
}

// site returns the model of the site with the given ID; an asset on no site
// gets a temperate default climate.
func (p *Plant) site(id string) *SiteModel {
	for i := range p.Sites {
		if p.Sites[i].Site.ID == id {
			return &p.Sites[i]
		}
	}
	return &SiteModel{MeanTemp: 18, DailySwing: 5, MeanHumidity: 55}
}

// SiteList returns copies of the plant's sites, in order.
func (p *Plant) SiteList() []*smartmaint.Site {
	out := make([]*smartmaint.Site, len(p.Sites))
	for i := range p.Sites {
		s := p.Sites[i].Site
		out[i] = &s
	}
	return out
}

// AssetList returns copies of the plant's assets, in order.
func (p *Plant) AssetList() []*smartmaint.Asset {
	out := make([]*smartmaint.Asset, len(p.Assets))
	for i, a := range p.Assets {
		c := a.Asset
		out[i] = &c
	}
	return out
}

// SensorList returns copies of every sensor of the plant, asset by asset.
func (p *Plant) SensorList() []*smartmaint.Sensor {
	var out []*smartmaint.Sensor
	for _, a := range p.Assets {
		for i := range a.Sensors {
			s := a.Sensors[i].Sensor
			out = append(out, &s)
		}
	}
	return out
}

// sensor returns the model of one of the asset's sensors.
func (a *AssetModel) sensor(id string) (*SensorModel, bool) {
	for i := range a.Sensors {
		if a.Sensors[i].Sensor.ID == id {
			return &a.Sensors[i], true
		}
	}
	return nil, false
}

// span is the width of the sensor's expected range, or a fallback of ten
// times its noise (at least 1) when the range is not set.
func (s *SensorModel) span() float64 {
	if s.Sensor.ExpectedMin != nil && s.Sensor.ExpectedMax != nil {
		return *s.Sensor.ExpectedMax - *s.Sensor.ExpectedMin
	}
	return math.Max(1, 10*s.Noise)
}
