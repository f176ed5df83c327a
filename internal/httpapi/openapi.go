package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// getOpenAPI serves the OpenAPI 3.0 document built from the route table.
func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request) error {
	return ok(w, s.OpenAPI())
}

// OpenAPI builds the OpenAPI 3.0 document of every route in the route table,
// with schemas reflected from the Go types the handlers decode and encode.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	errorRef := g.schema(reflect.TypeOf(errorBody{}))
	for _, rt := range s.routes {
		p := openAPIPath(rt.path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.method)] = g.operation(rt, errorRef)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "smartmaint API",
			"version":     s.cfg.Version,
			"description": "Self-hosted predictive maintenance: telemetry ingestion and queries. Errors always have the shape {\"error\": {\"code\", \"message\", \"details\"}}.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "An API key (smk_…)."},
				"apiKey":  map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie, "description": "A browser session; state-changing requests also send X-CSRF-Token."},
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"apiKey": []any{}}, map[string]any{"session": []any{}}},
	}
}

// openAPIPath turns a ServeMux pattern into an OpenAPI path.
func openAPIPath(pattern string) string {
	if pattern == "/{$}" {
		return "/"
	}
	return strings.ReplaceAll(pattern, "...}", "}")
}

func (g *schemaGen) operation(rt route, errorRef map[string]any) map[string]any {
	op := map[string]any{
		"summary":     rt.summary,
		"operationId": operationID(rt),
		"tags":        []string{rt.tag},
	}
	if rt.description != "" {
		op["description"] = rt.description
	}
	switch {
	case rt.public:
		op["x-permission"] = "public"
		op["security"] = []any{}
	case rt.selfAuth:
		op["x-permission"] = "none: the request carries its own credentials"
		op["security"] = []any{}
	case rt.permission == "":
		op["x-permission"] = "any authenticated caller"
	default:
		op["x-permission"] = rt.permission
	}
	var params []map[string]any
	for _, p := range rt.params {
		params = append(params, map[string]any{
			"name": p.name, "in": p.in, "required": p.required, "description": p.desc,
			"schema": map[string]any{"type": p.typ},
		})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.body != nil {
		types := rt.bodyTypes
		if types == nil {
			types = []string{"application/json"}
		}
		content := map[string]any{}
		for _, t := range types {
			if t == "application/json" {
				content[t] = map[string]any{"schema": g.schema(reflect.TypeOf(rt.body))}
			} else {
				content[t] = map[string]any{"schema": map[string]any{"type": "string"}}
			}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	success := map[string]any{"description": http.StatusText(status)}
	if rt.response != nil {
		success["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.response))}}
	} else if rt.produces != nil {
		content := map[string]any{}
		for _, t := range rt.produces {
			content[t] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		success["content"] = content
	}
	op["responses"] = map[string]any{
		strconv.Itoa(status): success,
		"default":            map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": errorRef}}},
	}
	return op
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

func operationID(rt route) string {
	return strings.ToLower(rt.method) + strings.Trim(nonWord.ReplaceAllString(rt.path, "_"), "_")
}

// schemaGen reflects Go types into JSON schemas, collecting named structs in
// defs.
type schemaGen struct {
	defs map[string]any
}

var (
	timeType    = reflect.TypeOf(time.Time{})
	rawType     = reflect.TypeOf(json.RawMessage{})
	durationTyp = reflect.TypeOf(time.Duration(0))
)

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{"description": "Any JSON value."}
	case t == durationTyp:
		return map[string]any{"type": "integer", "description": "Nanoseconds."}
	case strings.HasPrefix(t.Name(), "nullable["):
		inner := g.schema(t.Field(1).Type.Elem())
		return map[string]any{"allOf": []any{inner}, "nullable": true}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{"description": "Any JSON value."}
	case reflect.Struct:
		return g.structRef(t)
	}
	return map[string]any{}
}

func (g *schemaGen) structRef(t reflect.Type) map[string]any {
	name := schemaName(t)
	ref := map[string]any{"$ref": "#/components/schemas/" + name}
	if _, done := g.defs[name]; done {
		return ref
	}
	g.defs[name] = map[string]any{} // placeholder against recursion
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		jsonName, _, _ := strings.Cut(tag, ",")
		if jsonName == "" {
			jsonName = f.Name
		}
		props[jsonName] = g.schema(f.Type)
	}
	g.defs[name] = map[string]any{"type": "object", "properties": props}
	return ref
}

// schemaName gives a readable component name: "Site", "PageSite", "ErrorBody".
func schemaName(t reflect.Type) string {
	name := t.Name()
	if base, args, generic := strings.Cut(name, "["); generic {
		name = base
		for _, part := range strings.Split(strings.TrimSuffix(args, "]"), ",") {
			part = part[strings.LastIndex(part, ".")+1:]
			name += strings.TrimLeft(part, "*[]")
		}
	}
	return strings.ToUpper(name[:1]) + name[1:]
}
