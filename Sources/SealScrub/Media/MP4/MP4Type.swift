import Foundation
import SealCore

/// Box types the MP4 scrubber acts on.
enum MP4Type {
    static let ftyp = ISOBox.code("ftyp"), moov = ISOBox.code("moov"), mdat = ISOBox.code("mdat")
    static let free = ISOBox.code("free"), skip = ISOBox.code("skip"), wide = ISOBox.code("wide")
    static let junk = ISOBox.code("junk")
    static let udta = ISOBox.code("udta"), meta = ISOBox.code("meta"), uuid = ISOBox.code("uuid")
    static let moof = ISOBox.code("moof"), traf = ISOBox.code("traf"), tfhd = ISOBox.code("tfhd")
    static let mfra = ISOBox.code("mfra"), sidx = ISOBox.code("sidx"), ssix = ISOBox.code("ssix")
    static let styp = ISOBox.code("styp"), prft = ISOBox.code("prft"), emsg = ISOBox.code("emsg")
    static let pdin = ISOBox.code("pdin"), pnot = ISOBox.code("pnot"), pict = ISOBox.code("PICT")
    static let trak = ISOBox.code("trak"), mdia = ISOBox.code("mdia"), minf = ISOBox.code("minf")
    static let stbl = ISOBox.code("stbl"), edts = ISOBox.code("edts"), dinf = ISOBox.code("dinf")
    static let mvex = ISOBox.code("mvex"), mvhd = ISOBox.code("mvhd"), tkhd = ISOBox.code("tkhd")
    static let mdhd = ISOBox.code("mdhd"), hdlr = ISOBox.code("hdlr"), stsd = ISOBox.code("stsd")
    static let dref = ISOBox.code("dref"), stco = ISOBox.code("stco"), co64 = ISOBox.code("co64")
    static let saio = ISOBox.code("saio"), stsc = ISOBox.code("stsc"), stsz = ISOBox.code("stsz")
    static let stz2 = ISOBox.code("stz2"), cmov = ISOBox.code("cmov")
    static let keys = ISOBox.code("keys"), ilst = ISOBox.code("ilst"), iloc = ISOBox.code("iloc")
    static let xmp = ISOBox.code("XMP_"), xml = ISOBox.code("xml "), id32 = ISOBox.code("ID32")
    static let freeform = ISOBox.code("----"), name = ISOBox.code("name")
    static let vide = ISOBox.code("vide"), soun = ISOBox.code("soun"), metaHandler = ISOBox.code("meta"), camm = ISOBox.code("camm")
    static let tmcd = ISOBox.code("tmcd")
}
