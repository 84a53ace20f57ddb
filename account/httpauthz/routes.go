package httpauthz

import (
	"net/http"
)

// Problems serves mux, except that where mux would answer by itself that
// no route matches, it answers with a problem document: [NotFound] for a
// path no route has, and 405 Method Not Allowed, with mux's Allow header,
// for a method no route of the path takes. With [Guard.Handler] in front,
// a path no route has then answers exactly as a route hidden with
// [Guard.Hide].
func Problems(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, pattern := mux.Handler(r); pattern == "" {
			// No route matches; h answers 404, 405 or a redirect to the
			// clean path. Ask it which, without writing to w.
			var p probe
			h.ServeHTTP(&p, r)
			switch p.status {
			case http.StatusNotFound:
				WriteProblem(w, NotFound())
				return
			case http.StatusMethodNotAllowed:
				w.Header().Set("Allow", p.header.Get("Allow"))
				WriteProblem(w, MethodNotAllowed())
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// A probe is a ResponseWriter that keeps the status and headers written to
// it and drops the body.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header {
	if p.header == nil {
		p.header = make(http.Header)
	}
	return p.header
}

func (p *probe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

func (p *probe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
