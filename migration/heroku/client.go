package heroku

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultURL is the Platform API's address.
const DefaultURL = "https://api.heroku.com"

// TokenEnv is the environment variable [ClientFromEnv] reads the API token
// from, as Heroku's own command line does.
const TokenEnv = "HEROKU_API_KEY"

// A Client reads documents from the Platform API, version 3. It follows
// Heroku's Range / Next-Range pagination, and waits and tries again when
// the API answers 429 Too Many Requests or 503 Service Unavailable. Its
// fields may be set before first use.
type Client struct {
	// URL is the API's address; DefaultURL if empty.
	URL string
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// HTTP makes the requests; one with a 30-second timeout if nil.
	HTTP *http.Client
	// Retries is how many times a request refused with 429 or 503 is tried
	// again (3 if zero; negative for none). Each wait is the Retry-After
	// the answer asks for, or else Backoff doubled at each try.
	Retries int
	// Backoff is the first wait before trying again; 1s if zero.
	Backoff time.Duration
}

// ClientFromEnv returns a Client with the token in $HEROKU_API_KEY, or an
// error if it is not set.
func ClientFromEnv() (*Client, error) {
	tok := os.Getenv(TokenEnv)
	if tok == "" {
		return nil, fmt.Errorf("heroku: $%s is not set: an API token is needed (heroku authorizations:create)", TokenEnv)
	}
	return &Client{Token: tok}, nil
}

// An APIError is an answer of the API other than success, with the error
// document it sent.
type APIError struct {
	Method, Path string
	Status       int    // the HTTP status
	ID           string // the API's error id, such as "not_found" or "rate_limit"
	Message      string
}

// Error says which request failed, with the API's status, error id and
// message.
func (e *APIError) Error() string {
	msg := e.Message
	if e.ID != "" {
		msg = e.ID + ": " + msg
	}
	return fmt.Sprintf("heroku: %s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), msg)
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// Account reads an Enterprise Account by id or name, its members, its
// teams and each team's members, and the identity provider the account
// names when a team owns it: the API lists identity providers by team
// (GET /teams/{name}/identity-providers) and has no request for one an
// enterprise account owns, so that one is left unread (nil).
func (c *Client) Account(ctx context.Context, idOrName string) (AccountData, error) {
	var d AccountData
	base := "/enterprise-accounts/" + url.PathEscape(idOrName)
	if err := c.get(ctx, base, &d.Account); err != nil {
		return AccountData{}, err
	}
	var err error
	if d.Members, err = list[AccountMember](ctx, c, base+"/members"); err != nil {
		return AccountData{}, err
	}
	teams, err := list[Team](ctx, c, base+"/teams")
	if err != nil {
		return AccountData{}, err
	}
	if d.Teams, err = c.members(ctx, teams); err != nil {
		return AccountData{}, err
	}
	if ref := d.Account.IdentityProvider; ref != nil && ref.Owner.Type == "team" {
		team := ref.Owner.Name
		if team == "" {
			team = ref.Owner.ID
		}
		path := "/teams/" + url.PathEscape(team) + "/identity-providers"
		ps, err := list[IdentityProvider](ctx, c, path)
		if err != nil {
			return AccountData{}, err
		}
		for _, p := range ps {
			if p.ID == ref.ID {
				d.IdentityProvider = &p
			}
		}
		if d.IdentityProvider == nil {
			return AccountData{}, fmt.Errorf("heroku: GET %s: no identity provider %q, which account %q names", path, ref.ID, d.Account.Name)
		}
	}
	return d, nil
}

// Teams reads every team the token's user belongs to, with each team's
// members. [Organization] takes those outside any account.
func (c *Client) Teams(ctx context.Context) ([]TeamData, error) {
	teams, err := list[Team](ctx, c, "/teams")
	if err != nil {
		return nil, err
	}
	return c.members(ctx, teams)
}

func (c *Client) members(ctx context.Context, teams []Team) ([]TeamData, error) {
	out := make([]TeamData, 0, len(teams))
	for _, t := range teams {
		id := t.ID
		if id == "" {
			id = t.Name
		}
		ms, err := list[TeamMember](ctx, c, "/teams/"+url.PathEscape(id)+"/members")
		if err != nil {
			return nil, err
		}
		out = append(out, TeamData{Team: t, Members: ms})
	}
	return out, nil
}

// list reads every page of a list, following Next-Range.
func list[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var all []T
	rng := ""
	for page := 0; ; page++ {
		var items []json.RawMessage
		next, err := c.do(ctx, path, rng, &items)
		if err != nil {
			return nil, err
		}
		for _, raw := range items {
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("heroku: GET %s: [%d]: %w", path, len(all), err)
			}
			all = append(all, v)
		}
		if next == "" {
			return all, nil
		}
		if next == rng || page > 100000 {
			return nil, fmt.Errorf("heroku: GET %s: Next-Range %q does not move on", path, next)
		}
		rng = next
	}
}

func (c *Client) get(ctx context.Context, path string, v any) error {
	_, err := c.do(ctx, path, "", v)
	return err
}

// do sends one GET, with rng as its Range header if not empty, trying
// again after 429 and 503, and decodes the body into v. It returns the
// Next-Range of a partial answer (206), or "".
func (c *Client) do(ctx context.Context, path, rng string, v any) (string, error) {
	base := c.URL
	if base == "" {
		base = DefaultURL
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	retries, wait := c.Retries, c.Backoff
	if retries == 0 {
		retries = 3
	}
	if wait <= 0 {
		wait = time.Second
	}
	for try := 0; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+path, nil)
		if err != nil {
			return "", fmt.Errorf("heroku: GET %s: %w", path, err)
		}
		req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
		req.Header.Set("Authorization", "Bearer "+c.Token)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return "", fmt.Errorf("heroku: GET %s: %w", path, err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return "", fmt.Errorf("heroku: GET %s: %w", path, err)
		}
		switch {
		case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent:
			if err := json.Unmarshal(body, v); err != nil {
				return "", fmt.Errorf("heroku: GET %s: %w", path, err)
			}
			if resp.StatusCode == http.StatusPartialContent {
				return resp.Header.Get("Next-Range"), nil
			}
			return "", nil
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && try < retries:
			d := wait << try
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
				d = time.Duration(s) * time.Second
			}
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return "", fmt.Errorf("heroku: GET %s: waiting after %d: %w", path, resp.StatusCode, ctx.Err())
			case <-t.C:
			}
			continue
		}
		apiErr := &APIError{Method: http.MethodGet, Path: path, Status: resp.StatusCode}
		var doc struct{ ID, Message string }
		if json.Unmarshal(body, &doc) == nil {
			apiErr.ID, apiErr.Message = doc.ID, doc.Message
		}
		if apiErr.Message == "" {
			apiErr.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		return "", apiErr
	}
}
