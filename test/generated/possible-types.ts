
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "AppendEventsResult": [
      "AppendEventsSuccess",
      "ExpectedVersionRequiredError",
      "InvalidInputError",
      "StreamIsUnversionedError",
      "WrongExpectedVersionError"
    ],
    "DeleteStreamResult": [
      "DeleteStreamSuccess",
      "InvalidInputError",
      "WrongExpectedVersionError"
    ],
    "Error": [
      "ExpectedVersionRequiredError",
      "InvalidInputError",
      "StreamIsUnversionedError",
      "StreamNotFoundError",
      "WrongExpectedVersionError"
    ],
    "SaveSnapshotResult": [
      "InvalidInputError",
      "SaveSnapshotSuccess",
      "StreamNotFoundError"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "AppendEventsResult": [
      "AppendEventsSuccess",
      "ExpectedVersionRequiredError",
      "InvalidInputError",
      "StreamIsUnversionedError",
      "WrongExpectedVersionError"
    ],
    "DeleteStreamResult": [
      "DeleteStreamSuccess",
      "InvalidInputError",
      "WrongExpectedVersionError"
    ],
    "Error": [
      "ExpectedVersionRequiredError",
      "InvalidInputError",
      "StreamIsUnversionedError",
      "StreamNotFoundError",
      "WrongExpectedVersionError"
    ],
    "SaveSnapshotResult": [
      "InvalidInputError",
      "SaveSnapshotSuccess",
      "StreamNotFoundError"
    ]
  }
};
      export default result;
    