package stack

// cloudFrontOriginFacing maps a region to the id of the AWS-managed prefix
// list com.amazonaws.global.cloudfront.origin-facing there: the addresses
// CloudFront uses to reach origins. The ALB admits nothing else (P7).
//
// The ids are fixed per region but differ between regions. They are listed
// here rather than looked up so that synthesis needs no AWS account; for a
// region not listed, pass -c cloudFrontPrefixListId=pl-… (find it with
// `aws ec2 describe-managed-prefix-lists --filters
// Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`).
var cloudFrontOriginFacing = map[string]string{
	"us-east-1":      "pl-3b927c52",
	"us-east-2":      "pl-b6a144df",
	"us-west-1":      "pl-4ea04527",
	"us-west-2":      "pl-82a045eb",
	"ca-central-1":   "pl-38a64351",
	"sa-east-1":      "pl-5da64334",
	"eu-west-1":      "pl-4fa04526",
	"eu-west-2":      "pl-93a247fa",
	"eu-west-3":      "pl-75b1541c",
	"eu-central-1":   "pl-a3a144ca",
	"eu-north-1":     "pl-fab65393",
	"eu-south-1":     "pl-1bbc5972",
	"ap-south-1":     "pl-9aa247f3",
	"ap-northeast-1": "pl-58a04531",
	"ap-northeast-2": "pl-22a6434b",
	"ap-northeast-3": "pl-31a14458",
	"ap-southeast-1": "pl-31a34658",
	"ap-southeast-2": "pl-b8a742d1",
	"ap-east-1":      "pl-14b2577d",
	"af-south-1":     "pl-c0aa4fa9",
	"me-south-1":     "pl-17b2577e",
}
