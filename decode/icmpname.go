package decode

// ICMPName names an ICMP (v4) message as people say it: "echo request",
// "port unreachable" (the code's name where the type has several), or ""
// for a type without a name. turtle draw labels its arrows with it.
func ICMPName(typ, code uint8) string {
	if c := icmpCodeName(typ, code); c != "" {
		return c
	}
	return icmpTypeName(typ)
}

// ICMPv6Name is ICMPName for ICMPv6.
func ICMPv6Name(typ, code uint8) string {
	if c := icmpv6CodeName(typ, code); c != "" {
		return c
	}
	return icmpv6TypeName(typ)
}
