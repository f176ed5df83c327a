package httpapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"smartmaint"
	"smartmaint/internal/sim"
)

// simulationResponse keeps the original SimulationResponse fields and adds
// what was really stored and the ground truth of what was injected.
type simulationResponse struct {
	Status           string    `json:"status"`
	Message          string    `json:"message"`
	SimulationID     string    `json:"simulation_id"`
	EventsGenerated  int       `json:"events_generated"`
	ReadingsAccepted int       `json:"readings_accepted"`
	Duplicates       int       `json:"duplicates"`
	NewSensors       []string  `json:"new_sensors"`
	CorrelationID    string    `json:"correlation_id"`
	GroundTruth      sim.Truth `json:"ground_truth"`
	Scenario         string    `json:"scenario"`
	Request          any       `json:"request"`
}

// runSimulation handles POST /api/v1/simulate/{scenario}. Parameters come from
// the JSON body or the query string (the original read some from one and some
// from the other, and its UI sent them to the wrong one). The readings go
// through the same ingest path as real data.
func (s *Server) runSimulation(w http.ResponseWriter, r *http.Request) error {
	scenario := r.PathValue("scenario")
	var (
		req      any
		generate func() (*sim.Result, error)
		err      error
	)
	now := s.cfg.Now().UTC()
	switch scenario {
	case "normal", "normal-data":
		p := sim.DefaultNormalRequest()
		err = readSimParams(r, &p, p.ApplyQuery)
		req, generate = &p, func() (*sim.Result, error) { return p.Generate(now) }
	case "drift", "drift-event":
		p := sim.DefaultDriftRequest()
		err = readSimParams(r, &p, p.ApplyQuery)
		req, generate = &p, func() (*sim.Result, error) { return p.Generate(now) }
	case "anomaly", "anomaly-event":
		p := sim.DefaultAnomalyRequest()
		err = readSimParams(r, &p, p.ApplyQuery)
		req, generate = &p, func() (*sim.Result, error) { return p.Generate(now) }
	case "failure":
		p := sim.DefaultFailureRequest()
		err = readSimParams(r, &p, p.ApplyQuery)
		req, generate = &p, func() (*sim.Result, error) { return p.Generate(now) }
	default:
		return smartmaint.Errorf(smartmaint.ENOTFOUND, "Unknown scenario %q: use normal, drift, anomaly or failure.", scenario)
	}
	if err != nil {
		return err
	}
	res, err := generate()
	if err != nil {
		return err
	}
	out, err := s.ingestSimulation(r.Context(), res)
	if err != nil {
		return err
	}
	out.Scenario, out.Request = res.Scenario, req
	return ok(w, out)
}

// readSimParams fills p from the query string and then from a JSON body.
func readSimParams(r *http.Request, p any, applyQuery func(url.Values) error) error {
	if err := applyQuery(r.URL.Query()); err != nil {
		return err
	}
	if r.ContentLength == 0 {
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	if err != nil {
		return jsonError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return decodeJSON(r, p)
}

// ingestSimulation registers the simulated plant (failure scenario) and feeds
// the readings through the ingest service, in batches within its limits.
func (s *Server) ingestSimulation(ctx context.Context, res *sim.Result) (*simulationResponse, error) {
	if res.Plant != nil {
		if err := sim.EnsurePlant(ctx, s.store, res.Plant); err != nil {
			return nil, err
		}
	}
	out := &simulationResponse{
		Status: "success", SimulationID: uuid.NewString(), EventsGenerated: len(res.Readings),
		CorrelationID: smartmaint.RequestIDFromContext(ctx), GroundTruth: res.Truth, NewSensors: []string{},
	}
	limit := s.ingest.Limits().MaxReadings
	var buf []byte
	for start := 0; start < len(res.Readings); start += limit {
		end := min(start+limit, len(res.Readings))
		buf = sim.AppendNDJSON(buf[:0], res.Readings[start:end])
		br, err := s.ingest.IngestBatch(ctx, bytes.NewReader(buf), "application/x-ndjson", true)
		if err != nil {
			return nil, err
		}
		out.ReadingsAccepted += br.Accepted
		out.Duplicates += br.Duplicates
		out.NewSensors = append(out.NewSensors, br.NewSensors...)
	}
	out.Message = simulationMessage(res.Scenario, out)
	return out, nil
}

func simulationMessage(scenario string, out *simulationResponse) string {
	return "Simulated " + scenario + ": " + strconv.Itoa(out.EventsGenerated) + " readings generated, " +
		strconv.Itoa(out.ReadingsAccepted-out.Duplicates) + " stored, " + strconv.Itoa(out.Duplicates) + " already present."
}
