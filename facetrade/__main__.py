from facetrade.cli import main

main()
