package httpapi

import (
	"net/http"

	"smartmaint"
)

// siteInput is the writable part of a site.
type siteInput struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Timezone    string         `json:"timezone"`
	Metadata    map[string]any `json:"metadata"`
}

func (s *Server) listSites(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	limit, offset := pageParams(q)
	if err := q.done(); err != nil {
		return err
	}
	sites, total, err := s.store.FindSites(r.Context(), smartmaint.SiteFilter{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	return ok(w, page[*smartmaint.Site]{Items: nonNil(sites), Total: total, Limit: limit, Offset: offset})
}

func (s *Server) createSite(w http.ResponseWriter, r *http.Request) error {
	var in siteInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	site := &smartmaint.Site{ID: in.ID, Name: in.Name, Description: in.Description, Timezone: in.Timezone, Metadata: in.Metadata}
	if err := s.store.CreateSite(r.Context(), site); err != nil {
		return err
	}
	return created(w, site)
}

func (s *Server) getSite(w http.ResponseWriter, r *http.Request) error {
	site, err := s.store.FindSiteByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, site)
}

func (s *Server) updateSite(w http.ResponseWriter, r *http.Request) error {
	var upd smartmaint.SiteUpdate
	if err := decodeJSON(r, &upd); err != nil {
		return err
	}
	site, err := s.store.UpdateSite(r.Context(), r.PathValue("id"), upd)
	if err != nil {
		return err
	}
	return ok(w, site)
}

func (s *Server) deleteSite(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteSite(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
