module github.com/entaccess/entaccess/examples/dashboard/browsertest

go 1.26.0

replace github.com/entaccess/entaccess => ../../..

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/entaccess/entaccess v0.0.0-00010101000000-000000000000
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
