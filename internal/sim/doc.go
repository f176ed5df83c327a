// Package sim is smartmaint's plant simulator: a model of a small plant whose
// assets carry correlated sensors, scenarios injected per asset (drift,
// anomalies, degradation to failure) with their ground truth, the original
// system's three demo scenarios, and a pusher that sends generated readings
// through the real ingest path (POST /api/v1/data/batch).
//
// Everything is deterministic for a seed. Randomness comes from math/rand/v2
// PCG sources seeded from (seed, name of the stream), one stream per site
// (weather), asset (load process) and sensor (measurement noise), so adding a
// sensor does not change the others. Nothing reads the wall clock: callers
// pass times, and the live Runner takes a clock function.
//
// The physical state is advanced on a fixed grid of Config.Step seconds,
// aligned to the Unix epoch, from Config.Origin onwards. A range of readings
// is produced by stepping from the origin, so generating [a, c) gives exactly
// the readings of [a, b) followed by those of [b, c). Outputs are bit-for-bit
// identical on one architecture; arm64 and others that fuse multiply-adds
// may differ in the last bits of a value.
//
// Model in one paragraph: each asset has a load (0–1.1) that follows the
// plant's shift pattern (two weekday shifts, a lighter night, one shift on
// Saturday, little on Sunday), or partly the ambient temperature for a
// cooling fan, times a random level that changes every few hours and
// persists, plus a short-term wander. The load drives speed (slip or a
// frequency converter), current, pressure (pump curve; a compressor's
// load/unload cycle), vibration (speed² and load) and temperature (a
// first-order lag towards ambient plus a load-dependent rise). Ambient
// temperature and humidity follow a daily cycle and the weather of the site.
// Each sensor adds Gaussian noise and rounds to its resolution.
//
// Typical use:
//
//	plant := sim.DemoPlant()
//	s, err := sim.New(plant, sim.Config{Seed: 1, Origin: origin,
//		Scenarios: sim.DemoScenarios(origin, now)})
//	backfill := s.Generate(origin, now)             // or s.Readings(origin, now)
//	r := &sim.Runner{Sim: s, Start: now, Sink: pusher.Push}
//	err = r.Run(ctx) // live until ctx is cancelled; run it in a goroutine you wait for
package sim
