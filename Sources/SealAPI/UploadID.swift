import SealCore

/// A chunked upload's name: 128 random bits. It is the only thing that lets a client add
/// to an upload, so it is random rather than counted, and the relay never writes it to
/// disk: after a restart it means nothing.
public typealias UploadID = Identifier<IdentifierKind.Upload>
