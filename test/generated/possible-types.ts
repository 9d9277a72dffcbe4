
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "AppendEventsResult": [
      "AppendEventsSuccess",
      "ExpectedVersionRequiredError",
      "InvalidInputError",
      "StreamIsUnversionedError",
      "WrongExpectedVersionError"
    ],
    "AppendToStreamsResult": [
      "AppendToStreamsSuccess",
      "ExpectedVersionRequiredError",
      "InvalidInputError",
      "StreamIsUnversionedError",
      "WrongExpectedVersionError"
    ],
    "ConsumerResult": [
      "ConsumerNotFoundError",
      "ConsumerSuccess",
      "InvalidInputError"
    ],
    "CreateConsumerResult": [
      "ConsumerExistsError",
      "ConsumerSuccess",
      "InvalidInputError"
    ],
    "DeleteConsumerResult": [
      "ConsumerNotFoundError",
      "DeleteConsumerSuccess"
    ],
    "DeleteStreamResult": [
      "DeleteStreamSuccess",
      "InvalidInputError",
      "WrongExpectedVersionError"
    ],
    "Error": [
      "ConsumerExistsError",
      "ConsumerNotFoundError",
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
    "AppendToStreamsResult": [
      "AppendToStreamsSuccess",
      "ExpectedVersionRequiredError",
      "InvalidInputError",
      "StreamIsUnversionedError",
      "WrongExpectedVersionError"
    ],
    "ConsumerResult": [
      "ConsumerNotFoundError",
      "ConsumerSuccess",
      "InvalidInputError"
    ],
    "CreateConsumerResult": [
      "ConsumerExistsError",
      "ConsumerSuccess",
      "InvalidInputError"
    ],
    "DeleteConsumerResult": [
      "ConsumerNotFoundError",
      "DeleteConsumerSuccess"
    ],
    "DeleteStreamResult": [
      "DeleteStreamSuccess",
      "InvalidInputError",
      "WrongExpectedVersionError"
    ],
    "Error": [
      "ConsumerExistsError",
      "ConsumerNotFoundError",
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
    