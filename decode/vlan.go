package decode

import "encoding/binary"

// VLANTag is one 802.1Q (C-tag, TPID 0x8100) or 802.1ad (S-tag, TPID
// 0x88a8, or the older 0x9100) tag.
type VLANTag struct {
	TPID      uint16 // the EtherType that introduced the tag
	PCP       uint8  // priority code point, 0-7
	DEI       bool   // drop eligible indicator
	ID        uint16 // VLAN identifier, 0-4095
	EtherType uint16 // what follows the tag
}

const vlanTagLen = 4

func isVLANType(t uint16) bool { return t == 0x8100 || t == 0x88a8 || t == 0x9100 }

// decode reads the 4 bytes after a VLAN TPID.
func (t *VLANTag) decode(tpid uint16, b []byte) bool {
	if len(b) < vlanTagLen {
		return false
	}
	tci := binary.BigEndian.Uint16(b[0:2])
	t.TPID = tpid
	t.PCP = uint8(tci >> 13)
	t.DEI = tci&0x1000 != 0
	t.ID = tci & 0x0fff
	t.EtherType = binary.BigEndian.Uint16(b[2:4])
	return true
}

// vlanName is the standard a TPID belongs to.
func vlanName(tpid uint16) string {
	if tpid == 0x8100 {
		return "802.1Q"
	}
	return "802.1ad"
}
