package httpapi

import (
	"net/http"

	"smartmaint"
)

// assetInput is the writable part of an asset.
type assetInput struct {
	ID          string         `json:"id"`
	SiteID      string         `json:"site_id"`
	Name        string         `json:"name"`
	Type        string         `json:"type"`
	Criticality int            `json:"criticality"`
	Metadata    map[string]any `json:"metadata"`
}

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	limit, offset := pageParams(q)
	f := smartmaint.AssetFilter{SiteID: q.str("site_id"), Type: q.str("type"), Limit: limit, Offset: offset}
	if err := q.done(); err != nil {
		return err
	}
	assets, total, err := s.store.FindAssets(r.Context(), f)
	if err != nil {
		return err
	}
	return ok(w, page[*smartmaint.Asset]{Items: nonNil(assets), Total: total, Limit: limit, Offset: offset})
}

func (s *Server) createAsset(w http.ResponseWriter, r *http.Request) error {
	var in assetInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a := &smartmaint.Asset{ID: in.ID, SiteID: in.SiteID, Name: in.Name, Type: in.Type, Criticality: in.Criticality, Metadata: in.Metadata}
	if err := s.store.CreateAsset(r.Context(), a); err != nil {
		return err
	}
	return created(w, a)
}

func (s *Server) getAsset(w http.ResponseWriter, r *http.Request) error {
	a, err := s.store.FindAssetByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, a)
}

func (s *Server) updateAsset(w http.ResponseWriter, r *http.Request) error {
	var upd smartmaint.AssetUpdate
	if err := decodeJSON(r, &upd); err != nil {
		return err
	}
	a, err := s.store.UpdateAsset(r.Context(), r.PathValue("id"), upd)
	if err != nil {
		return err
	}
	return ok(w, a)
}

func (s *Server) deleteAsset(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteAsset(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
