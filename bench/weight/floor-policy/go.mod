module example.com/weight/floor-policy

go 1.24

require (
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/tidwall/gjson v1.20.2
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
)
